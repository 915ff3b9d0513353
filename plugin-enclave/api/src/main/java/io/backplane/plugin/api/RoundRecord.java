package io.backplane.plugin.api;

import java.util.List;
import java.util.Objects;

/**
 * What happened in one committed round: who was the leader, whether its proposal was committed ({@code committed}
 * false means the round timed out), and who voted for it.
 */
public record RoundRecord(long round, String leader, boolean committed, List<String> voters) {
    public RoundRecord {
        Objects.requireNonNull(leader, "leader");
        voters = List.copyOf(voters);
    }
}
