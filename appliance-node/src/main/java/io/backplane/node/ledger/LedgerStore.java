package io.backplane.node.ledger;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The ledger's durable state: the sparse Merkle tree's nodes ({@link NodeStore}) plus what ties them to the chain: the
 * height executed, the state root after each recent height, and which height committed each transaction. Writes made
 * through {@link NodeStore#put}/{@link NodeStore#delete} are pending (visible to reads) until {@link #commit}, which makes
 * them durable atomically together with the height, the root and the transaction index: a crash leaves the state of one
 * executed height, never a mix. Called from the ledger's executor thread; reads of committed data may come from others.
 */
public interface LedgerStore extends NodeStore {
    /** The height whose execution is durable (0: genesis state or nothing yet). */
    long executedHeight();

    /** Atomically durable: every pending write, {@code height} as the executed height, its root and its transactions. */
    void commit(long height, byte[] stateRoot, List<byte[]> txHashes);

    /** The state root after executing {@code height}, if kept (recent heights; pruned like committed blocks). */
    Optional<byte[]> stateRootAt(long height);

    /** The height that committed transaction {@code txHash}, if any. */
    OptionalLong txHeight(byte[] txHash);
}
