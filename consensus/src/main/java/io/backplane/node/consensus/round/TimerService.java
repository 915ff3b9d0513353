package io.backplane.node.consensus.round;

/** Delivers {@code event} back to the round manager after {@code delayMs} of (real or simulated) time. */
public interface TimerService {
    void schedule(long delayMs, ConsensusEvent event);
}
