package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.ConsensusMessage;

/** Where the round manager's messages go (the transport, or the simulated network). Best effort: messages may be lost. */
public interface Outbound {
    void send(int to, ConsensusMessage message);

    /** To every other validator. */
    void broadcast(ConsensusMessage message);
}
