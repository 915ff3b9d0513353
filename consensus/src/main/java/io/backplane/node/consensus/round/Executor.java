package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;

/**
 * Executes committed blocks synchronously, in chain order, each exactly once, starting at height 1 (the block after
 * genesis): the simulation's and tests' ledger, wrapped by {@link LedgerHandoff#direct}, which hands it every committed
 * height above {@link #lastExecutedHeight()} (after a restart too). The node's ledger runs on its own thread behind a
 * bounded {@link LedgerHandoff} instead. It must not call back into consensus.
 */
public interface Executor {
    void execute(Block block, long height);

    /** The height this executor has durably applied (0: nothing, or no durable state: everything is delivered again). */
    default long lastExecutedHeight() {
        return 0;
    }
}
