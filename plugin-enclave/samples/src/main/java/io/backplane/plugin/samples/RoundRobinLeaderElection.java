package io.backplane.plugin.samples;

import io.backplane.plugin.api.LeaderElection;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import java.util.ArrayList;
import java.util.List;

/** Round-robin: round r is led by validator {@code r mod n} of the canonical validator order. Ignores stake and seed. */
public final class RoundRobinLeaderElection implements LeaderElection {
    @Override
    public LeaderSchedule schedule(LeaderElectionInput in) {
        int n = in.validators().size();
        List<String> leaders = new ArrayList<>(in.windowLength());
        for (int i = 0; i < in.windowLength(); i++) {
            leaders.add(in.validators().get((int) Math.floorMod(in.firstRound() + i, (long) n)).id());
        }
        return new LeaderSchedule(leaders);
    }
}
