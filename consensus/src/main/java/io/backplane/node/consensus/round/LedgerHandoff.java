package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;

/**
 * Where committed blocks go: the node's bounded queue in front of the ledger application, which executes them on its own
 * thread. The consensus core stays single-threaded and never waits on execution: it hands a block over only while
 * {@link #remainingCapacity()} is positive, in height order, each height exactly once per {@link RoundManager} (after a
 * restart it hands again everything above {@link #acceptedHeight()}, read from its {@link BlockStore}). Committed blocks
 * it could not hand over wait in the block store, not in memory. <b>Back-pressure:</b> while the hand-off is full (or
 * blocks are still waiting for it) the node does not propose new blocks; it keeps voting, timing out and committing,
 * so it never costs the other validators their quorum.
 * <p>
 * The node's executor thread, having taken blocks off the queue, posts {@link ConsensusEvent.LedgerProgress} to the
 * consensus thread so that waiting blocks move on without waiting for the next message. All three methods are called
 * on the consensus thread and must not block.
 */
public interface LedgerHandoff {
    /**
     * The highest height the ledger has taken (queued or executed): at a start, the height its durable state has executed
     * (0: nothing, or no durable state: every committed block is handed over again from height 1).
     */
    long acceptedHeight();

    /** How many more blocks {@link #accept} takes now without blocking (0: full). */
    int remainingCapacity();

    /** Takes committed {@code block} at {@code height} = {@link #acceptedHeight()} + 1. Called only with capacity left. */
    void accept(Block block, long height);

    /**
     * A hand-off without a queue: each block is executed at once, on the consensus thread, by {@code executor} (the
     * simulation and tests; never the node). It is never full.
     */
    static LedgerHandoff direct(Executor executor) {
        return new LedgerHandoff() {
            private long accepted = executor.lastExecutedHeight();

            @Override
            public long acceptedHeight() {
                return accepted;
            }

            @Override
            public int remainingCapacity() {
                return Integer.MAX_VALUE;
            }

            @Override
            public void accept(Block block, long height) {
                executor.execute(block, height);
                accepted = height;
            }
        };
    }
}
