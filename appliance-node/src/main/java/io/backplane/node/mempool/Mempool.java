package io.backplane.node.mempool;

import java.util.List;

/** API draft (issue 15): bodies not yet written. A transaction stays until committed or expired. */
public interface Mempool {
    /** Outcome of {@link #submit}. */
    sealed interface SubmitResult {
        record Accepted(byte[] txHash) implements SubmitResult {}

        record Rejected(String reason) implements SubmitResult {}

        record Busy(long retryAfterMs) implements SubmitResult {}
    }

    /** Status of a transaction known by its hash. */
    enum TxStatus { PENDING, COMMITTED, UNKNOWN }

    /** Decodes, verifies and admits {@code encodedTx}; {@code fromPeer} marks gossip (not re-gossiped). */
    SubmitResult submit(byte[] encodedTx, boolean fromPeer);

    /** Encoded transactions for a proposal, at most {@code maxCount} and {@code maxBytes} in all. */
    List<byte[]> takeBatch(int maxCount, int maxBytes);

    /** Drops the committed transactions (by hash). */
    void removeCommitted(List<byte[]> txHashes);

    TxStatus status(byte[] txHash);
}
