package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;

/**
 * Receives committed blocks in chain order, each exactly once, starting at height 1 (the block after genesis). After
 * a restart the block tree recommits from its store and skips heights up to {@link #lastExecutedHeight()}, so an
 * executor with durable state never sees a block twice. The ledger application (part 2) implements it; it must not
 * call back into consensus.
 */
public interface Executor {
    void execute(Block block, long height);

    /** The height this executor has durably applied (0: nothing, or no durable state: everything is delivered again). */
    default long lastExecutedHeight() {
        return 0;
    }
}
