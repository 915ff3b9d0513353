package io.backplane.node.ledger;

/**
 * Where {@link SparseMerkleTree} keeps its non-empty nodes and values: opaque byte keys to opaque byte values.
 * The in-memory {@link InMemoryNodeStore} serves tests and benchmarks; a RocksDB store comes later.
 */
public interface NodeStore {
    /** The value stored under {@code id}, or null when none. */
    byte[] get(byte[] id);

    void put(byte[] id, byte[] value);

    void delete(byte[] id);

    /** How many entries are stored (for tests and benchmarks). */
    long size();
}
