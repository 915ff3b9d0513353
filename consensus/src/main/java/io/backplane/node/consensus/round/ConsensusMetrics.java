package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;

/**
 * Where the round manager reports what it did: a counter per {@link ConsensusCounter}, rounds entered and blocks committed.
 * Called on the consensus thread, synchronously: an implementation must be cheap and must not call back into consensus
 * (the node's maps these onto Prometheus counters and its commit-latency histogram; the simulation sums them per run).
 */
public interface ConsensusMetrics {
    /** Does nothing. */
    ConsensusMetrics NONE = new ConsensusMetrics() {
        @Override
        public void count(ConsensusCounter counter, long n) {
        }
    };

    /** {@code n} more of {@code counter} ({@code n >= 1}). */
    void count(ConsensusCounter counter, long n);

    /** The node entered {@code round}, through a QC ({@code byQc}) or a TC. */
    default void roundEntered(long round, boolean byQc) {
    }

    /** {@code block} committed at {@code height} (called once per block, in height order). */
    default void committed(Block block, long height) {
    }
}
