package io.backplane.node.sim;

import java.util.List;
import java.util.Map;

/**
 * What one run found.
 *
 * @param seed the run's seed
 * @param safetyViolations broken safety invariants (must be 0)
 * @param livenessViolation honest nodes failed to commit within the bound after the network healed
 * @param committedBlocks the height of the longest honest committed chain
 * @param longestStallRounds most rounds the honest nodes went through without any new commit
 * @param rounds highest round an honest node reached
 * @param events events processed
 * @param simulatedMs simulated time at the end
 * @param violations the violations, described (first ones only)
 * @param byzantineRoles the misbehaviour of each Byzantine index
 * @param counters rejection and activity counters summed over the honest nodes
 * @param replay the command line that replays this run
 * @param targetRounds the {@code --rounds} asked for; {@code rounds} may fall short of it when the liveness bound ends the run
 * @param healedAtRound the highest honest round when the faults stopped (-1: the run ended before)
 * @param committedAfterHeal blocks committed on the longest honest chain after the heal (liveness: every honest node
 *                           must commit past the height at the heal within the bound)
 */
public record SimResult(long seed, int safetyViolations, boolean livenessViolation, long committedBlocks, long longestStallRounds,
                        long rounds, long events, long simulatedMs, List<String> violations, Map<Integer, String> byzantineRoles,
                        Map<String, Long> counters, String replay, long targetRounds, long healedAtRound, long committedAfterHeal) {
    public boolean failed() {
        return safetyViolations > 0 || livenessViolation;
    }

    /** Whether an honest node reached the requested round. */
    public boolean reachedTargetRound() {
        return rounds >= targetRounds;
    }

    public String describe() {
        return "seed " + seed + ": safety violations " + safetyViolations + (livenessViolation ? ", LIVENESS FAILED" : "")
                + ", committed " + committedBlocks + ", rounds " + rounds + "/" + targetRounds + ", healed at round " + healedAtRound
                + " (+" + committedAfterHeal + " blocks after), longest stall " + longestStallRounds
                + " rounds, byzantine " + byzantineRoles + (violations.isEmpty() ? "" : ", first: " + violations.getFirst())
                + "; replay: " + replay;
    }
}
