package io.backplane.plugin.samples;

import io.backplane.plugin.api.LeaderElection;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.Validator;
import java.util.ArrayList;
import java.util.List;

/**
 * Stake-weighted: each round draws a validator with probability proportional to its stake, from the epoch seed
 * (see {@link SeededDraw}), so every node computes the same schedule.
 */
public final class StakeWeightedLeaderElection implements LeaderElection {
    @Override
    public LeaderSchedule schedule(LeaderElectionInput in) {
        long[] weights = new long[in.validators().size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = in.validators().get(i).stake();
        }
        return new LeaderSchedule(WeightedPick.schedule(in, weights));
    }
}
