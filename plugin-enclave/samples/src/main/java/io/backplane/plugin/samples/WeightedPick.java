package io.backplane.plugin.samples;

import io.backplane.plugin.api.LeaderElectionInput;
import java.util.ArrayList;
import java.util.List;

/** Picks a leader per round with probability proportional to a weight per validator, from the epoch seed. */
final class WeightedPick {
    private WeightedPick() {
    }

    static List<String> schedule(LeaderElectionInput in, long[] weights) {
        long total = 0;
        for (long w : weights) {
            total = Math.addExact(total, w);
        }
        byte[] seed = in.seed();
        List<String> leaders = new ArrayList<>(in.windowLength());
        for (int i = 0; i < in.windowLength(); i++) {
            long x = SeededDraw.draw(seed, in.firstRound() + i, total);
            int k = 0;
            while (x >= weights[k]) {
                x -= weights[k];
                k++;
            }
            leaders.add(in.validators().get(k).id());
        }
        return leaders;
    }
}
