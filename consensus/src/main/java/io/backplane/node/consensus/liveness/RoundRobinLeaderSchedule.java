package io.backplane.node.consensus.liveness;

import java.util.OptionalInt;

/** The built-in schedule: validator (round mod n). */
public final class RoundRobinLeaderSchedule implements LeaderSchedule {
    private final int validators;

    public RoundRobinLeaderSchedule(int validators) {
        if (validators <= 0) {
            throw new IllegalArgumentException("round robin needs at least one validator, got " + validators);
        }
        this.validators = validators;
    }

    @Override
    public OptionalInt leader(long epoch, long round) {
        return OptionalInt.of((int) Math.floorMod(round, (long) validators));
    }
}
