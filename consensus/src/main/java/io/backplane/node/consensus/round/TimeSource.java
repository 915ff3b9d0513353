package io.backplane.node.consensus.round;

/**
 * The time a leader stamps on its blocks, in milliseconds (the node's wall clock, or the simulation's clock). Read
 * only when proposing; the protocol's safety never depends on it (a block's timestamp is only checked not to go back).
 */
@FunctionalInterface
public interface TimeSource {
    long nowMs();
}
