package io.backplane.node.ledger;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** A {@link LedgerStore} on the heap for tests and the simulation: {@link #commit} only records the height. Not thread-safe. */
public final class InMemoryLedgerStore implements LedgerStore {
    private final InMemoryNodeStore nodes = new InMemoryNodeStore();
    private final Map<Long, byte[]> roots = new HashMap<>();
    private final Map<String, Long> txs = new HashMap<>();
    private long executed;

    @Override
    public byte[] get(byte[] id) {
        return nodes.get(id);
    }

    @Override
    public void put(byte[] id, byte[] value) {
        nodes.put(id, value);
    }

    @Override
    public void delete(byte[] id) {
        nodes.delete(id);
    }

    @Override
    public long size() {
        return nodes.size();
    }

    @Override
    public long executedHeight() {
        return executed;
    }

    @Override
    public void commit(long height, byte[] stateRoot, List<byte[]> txHashes) {
        if (height < executed) {
            throw new IllegalArgumentException("height " + height + " is below the executed height " + executed);
        }
        executed = height;
        roots.put(height, stateRoot.clone());
        for (byte[] h : txHashes) {
            txs.put(HexFormat.of().formatHex(h), height);
        }
    }

    @Override
    public Optional<byte[]> stateRootAt(long height) {
        byte[] r = roots.get(height);
        return r == null ? Optional.empty() : Optional.of(r.clone());
    }

    @Override
    public OptionalLong txHeight(byte[] txHash) {
        Long h = txs.get(HexFormat.of().formatHex(txHash));
        return h == null ? OptionalLong.empty() : OptionalLong.of(h);
    }
}
