package io.backplane.node.consensus.liveness;

import java.util.OptionalInt;

/**
 * Who leads a round. The leader-election plugin (plugin-enclave, through its host) implements this; an empty
 * answer means "undecided" (the plugin is down, slow or quarantined) and the node abstains from anything that
 * needs the answer: it neither proposes nor votes for that round, and never substitutes another schedule.
 * Implementations must be deterministic functions of (epoch, round).
 */
public interface LeaderSchedule {
    OptionalInt leader(long epoch, long round);
}
