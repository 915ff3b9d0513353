package io.backplane.node.consensus.liveness;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The built-in leader election: round r is led by validator (r mod n), the same rotation as
 * {@link RoundRobinLeaderSchedule}, expressed as a committed schedule.
 */
public final class RoundRobinElection implements LeaderElectionAlgorithm {
    @Override
    public Optional<List<Integer>> schedule(ScheduleInput in) {
        int n = in.validators().size();
        List<Integer> leaders = new ArrayList<>(in.windowLength());
        for (int i = 0; i < in.windowLength(); i++) {
            leaders.add((int) Math.floorMod(in.firstRound() + i, (long) n));
        }
        return Optional.of(leaders);
    }
}
