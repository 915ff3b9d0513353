package io.backplane.plugin.api;

import java.util.List;

/** Output of {@link LeaderElection}: the leader id of each round of the window, in round order. */
public record LeaderSchedule(List<String> leaders) {
    public LeaderSchedule {
        leaders = List.copyOf(leaders);
    }
}
