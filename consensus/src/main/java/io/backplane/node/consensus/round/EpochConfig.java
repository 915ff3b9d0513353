package io.backplane.node.consensus.round;

import io.backplane.node.consensus.liveness.LeaderElectionAlgorithm;

/**
 * Committed leader schedules: rounds are grouped into schedule epochs of {@code length} rounds (epoch k covers rounds
 * k·length + 1 .. (k + 1)·length); {@code election} computes each epoch's leaders from the last {@code historyLength}
 * certified blocks of the chain. See {@link ScheduleChain}.
 */
public record EpochConfig(int length, LeaderElectionAlgorithm election, int historyLength) {
    public EpochConfig {
        if (length < 1 || length > io.backplane.node.consensus.types.Limits.MAX_SCHEDULE) {
            throw new IllegalArgumentException("epoch length must be 1.." + io.backplane.node.consensus.types.Limits.MAX_SCHEDULE + " rounds, got " + length);
        }
        if (historyLength < 0 || historyLength > 1024) {
            throw new IllegalArgumentException("history length must be 0..1024 blocks, got " + historyLength);
        }
    }
}
