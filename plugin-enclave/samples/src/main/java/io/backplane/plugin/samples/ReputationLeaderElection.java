package io.backplane.plugin.samples;

import io.backplane.plugin.api.LeaderElection;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.RoundRecord;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Leader reputation in the style of Aptos's proposer-and-voter heuristic: over the history window, a validator whose
 * failed proposals exceed {@value #FAILURE_THRESHOLD_PERCENT}% of its proposals gets weight {@value #FAILED_WEIGHT};
 * one that proposed or voted gets {@value #ACTIVE_WEIGHT}; one that did neither gets {@value #INACTIVE_WEIGHT}. The
 * weight is multiplied by the stake and the leader of each round drawn from the epoch seed.
 */
public final class ReputationLeaderElection implements LeaderElection {
    static final long ACTIVE_WEIGHT = 1000;
    static final long INACTIVE_WEIGHT = 10;
    static final long FAILED_WEIGHT = 1;
    static final int FAILURE_THRESHOLD_PERCENT = 10;

    @Override
    public LeaderSchedule schedule(LeaderElectionInput in) {
        Map<String, int[]> proposals = new HashMap<>(); // id -> {proposed, failed}
        Set<String> active = new HashSet<>();
        for (RoundRecord r : in.history()) {
            int[] c = proposals.computeIfAbsent(r.leader(), k -> new int[2]);
            c[0]++;
            if (!r.committed()) {
                c[1]++;
            } else {
                active.add(r.leader());
            }
            active.addAll(r.voters());
        }
        long[] weights = new long[in.validators().size()];
        for (int i = 0; i < weights.length; i++) {
            String id = in.validators().get(i).id();
            int[] c = proposals.get(id);
            long w;
            if (c != null && (long) c[1] * 100 > (long) c[0] * FAILURE_THRESHOLD_PERCENT) {
                w = FAILED_WEIGHT;
            } else if (active.contains(id)) {
                w = ACTIVE_WEIGHT;
            } else {
                w = INACTIVE_WEIGHT;
            }
            weights[i] = Math.multiplyExact(w, in.validators().get(i).stake());
        }
        return new LeaderSchedule(WeightedPick.schedule(in, weights));
    }
}
