package io.backplane.node.consensus.liveness;

import java.util.List;
import java.util.Optional;

/**
 * Computes a schedule epoch's leaders (DESIGN.md §5): the leader-election plugin, through the plugin host, or the
 * built-in {@link RoundRobinElection}. The answer is committed on chain (the block that opens the previous schedule
 * epoch carries it) and every voter recomputes it before voting, so an answer that differs between nodes costs a
 * round, never safety. An empty answer means "undecided" (plugin down, late or quarantined): the node abstains,
 * it never substitutes another algorithm. Implementations must be pure functions of the input.
 */
public interface LeaderElectionAlgorithm {
    /** Exactly {@code input.windowLength()} validator indices, or empty when undecided. */
    Optional<List<Integer>> schedule(ScheduleInput input);
}
