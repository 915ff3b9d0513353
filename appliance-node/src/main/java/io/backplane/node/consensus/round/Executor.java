package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;

/**
 * Receives committed blocks in chain order, each exactly once per node incarnation, starting at height 1 (the
 * block after genesis). The ledger application (part 2) implements it; it must not call back into consensus.
 */
public interface Executor {
    void execute(Block block, long height);
}
