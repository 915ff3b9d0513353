package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.ConsensusMessage;

/** The inputs of the {@link RoundManager}: everything that happens to a node arrives as one of these. */
public sealed interface ConsensusEvent {
    /** {@code message} arrived from validator {@code from} (as the transport authenticated it). */
    record MessageReceived(int from, ConsensusMessage message) implements ConsensusEvent {
    }

    /** The round timer armed for {@code round} (arming number {@code generation}) fired. */
    record RoundTimeout(long round, long generation) implements ConsensusEvent {
    }

    /**
     * The ledger took blocks off the {@link LedgerHandoff} (posted by the node's executor thread): committed blocks that
     * waited for room move on, and the leader may propose again.
     */
    record LedgerProgress() implements ConsensusEvent {
    }
}
