package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation over many seeds (the main consensus test). Each run mixes partitions, loss,
 * duplication, reordering, crashes and f Byzantine validators (twins, equivocating leaders, vote-for-everything,
 * silent), checks safety after every event and liveness after the network heals. The default suite runs 200
 * seeds at n = 4 and at n = 7; {@code -Dsim.seeds=100000} runs a soak. A failing seed is printed with the
 * command line and the JUnit invocation that replay it ({@link SimulationReplayTest}).
 */
class SimulationTest {
    static final int SEEDS = Integer.getInteger("sim.seeds", 200);
    static final long FIRST_SEED = Long.getLong("sim.firstSeed", 1);
    /** {@code -Dsim.guard=pass-through} runs the whole suite with guards that refuse nothing (a rule bug becomes a double signature). */
    static final boolean PASS_THROUGH = "pass-through".equals(System.getProperty("sim.guard"));

    static List<SimResult> runSeeds(SimConfig base, int seeds) {
        return runSeeds(base, seeds, "FAILING SEED ");
    }

    static List<SimResult> runSeeds(SimConfig base, int seeds, String label) {
        List<SimResult> failures = new ArrayList<>();
        SimConfig cfg = PASS_THROUGH ? base.withPassThroughGuard(true) : base;
        for (long s = FIRST_SEED; s < FIRST_SEED + seeds; s++) {
            SimResult r = Simulation.run(cfg.withSeed(s));
            if (r.failed()) {
                failures.add(r);
                System.err.println(label + r.describe());
                System.err.println("  replay in JUnit: mvn -B -q -ntp -pl simulation -am verify -DskipITs -Dtest=SimulationReplayTest "
                        + "-Dsurefire.failIfNoSpecifiedTests=false -Dsim.seed=" + s + " -Dsim.nodes=" + base.nodes()
                        + " -Dsim.byzantine=" + base.byzantine() + " -Dsim.rounds=" + base.rounds() + " -Dsim.faults=" + Fault.format(base.faults()));
            }
        }
        return failures;
    }

    @Test
    void safetyAndLivenessHoldAtFourValidatorsWithOneByzantineUnderAllFaults() {
        List<SimResult> failures = runSeeds(SimConfig.of(4, 1, 60, EnumSet.allOf(Fault.class), 0), SEEDS);
        assertThat(failures).extracting(SimResult::describe).isEmpty();
    }

    @Test
    void safetyAndLivenessHoldAtSevenValidatorsWithTwoByzantineUnderAllFaults() {
        List<SimResult> failures = runSeeds(SimConfig.of(7, 2, 60, EnumSet.allOf(Fault.class), 0), SEEDS);
        assertThat(failures).extracting(SimResult::describe).isEmpty();
    }

    @Test
    void safetyAndLivenessHoldAtTenValidatorsWithThreeByzantine() {
        List<SimResult> failures = runSeeds(SimConfig.of(10, 3, 60, EnumSet.allOf(Fault.class), 0), Math.max(1, SEEDS / 4));
        assertThat(failures).extracting(SimResult::describe).isEmpty();
    }

    @Test
    void withAPassThroughGuardTheRulesAloneKeepEveryHonestKeyFromSigningTwice() {
        List<SimResult> failures = runSeeds(SimConfig.of(4, 1, 60, EnumSet.allOf(Fault.class), 0).withPassThroughGuard(true), Math.max(1, SEEDS / 4));
        failures.addAll(runSeeds(SimConfig.of(7, 2, 60, EnumSet.allOf(Fault.class), 0).withPassThroughGuard(true), Math.max(1, SEEDS / 8)));
        assertThat(failures).extracting(SimResult::describe).isEmpty();
    }

    @Test
    void theForgerAndTheFlooderReachTheHonestNodesAndAreRefused() {
        java.util.Map<String, Long> sum = new java.util.TreeMap<>();
        int forgers = 0;
        int flooders = 0;
        for (long s = 1; s <= 30; s++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 40, EnumSet.allOf(Fault.class), s));
            forgers += r.byzantineRoles().containsValue("forger") ? 1 : 0;
            flooders += r.byzantineRoles().containsValue("flooder") ? 1 : 0;
            assertThat(r.failed()).as(r.describe()).isFalse();
            r.counters().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        assertThat(forgers).isPositive();
        assertThat(flooders).isPositive();
        assertThat(sum.getOrDefault("rejected.bad-qc", 0L)).as("forged certificates refused").isPositive();
        assertThat(sum.getOrDefault("rejected.proposal-too-far-ahead", 0L)).isPositive();
        assertThat(sum.getOrDefault("rejected.unjustified-round", 0L)).isPositive();
        assertThat(sum.getOrDefault("rejected.equivocating-leader", 0L)).isPositive();
        assertThat(sum.getOrDefault("ignored.unrequested-block", 0L)).isPositive();
    }

    @Test
    void theResultSaysWhatRoundsItReachedAndWhenTheNetworkHealed() {
        SimResult r = Simulation.run(SimConfig.of(4, 1, 60, EnumSet.allOf(Fault.class), 3));
        assertThat(r.targetRounds()).isEqualTo(60);
        assertThat(r.healedAtRound()).isBetween(1L, r.rounds());
        assertThat(r.committedAfterHeal()).isPositive();
        assertThat(r.reachedTargetRound()).isEqualTo(r.rounds() >= 60);
    }

    @Test
    void everyByzantineBehaviourAppearsInTheSuite() {
        java.util.Set<String> roles = new java.util.TreeSet<>();
        for (long s = FIRST_SEED; s < FIRST_SEED + 40; s++) {
            roles.addAll(Simulation.run(SimConfig.of(4, 1, 10, EnumSet.allOf(Fault.class), s)).byzantineRoles().values());
        }
        assertThat(roles).containsExactly("equivocator", "flooder", "forger", "silent", "twin", "vote_all", "wrong_schedule");
    }

    @Test
    void theSameSeedReplaysTheSameRunEventForEvent() {
        SimConfig c = SimConfig.of(7, 2, 40, EnumSet.allOf(Fault.class), 4242);
        SimResult a = Simulation.run(c);
        SimResult b = Simulation.run(c);
        assertThat(b).isEqualTo(a);
        assertThat(Simulation.run(c.withSeed(4243)).events()).isNotEqualTo(a.events());
    }

    @Test
    void makesProgressAndExercisesTheByzantinePaths() {
        long committed = 0;
        long equivocationsSeen = 0;
        long duplicateVotes = 0;
        long fetched = 0;
        for (long s = 1; s <= 20; s++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 40, EnumSet.allOf(Fault.class), s));
            committed += r.committedBlocks();
            equivocationsSeen += r.counters().getOrDefault("rejected.equivocating-leader", 0L) + r.counters().getOrDefault("rejected.equivocating-vote", 0L);
            duplicateVotes += r.counters().getOrDefault("ignored.duplicate-vote", 0L);
            fetched += r.counters().getOrDefault("sync.blocks-fetched", 0L);
        }
        assertThat(committed).as("blocks committed over 20 seeds").isGreaterThan(20 * 10);
        assertThat(equivocationsSeen).as("Byzantine equivocation reached honest nodes and was refused").isPositive();
        assertThat(duplicateVotes).as("duplicated messages reached the round managers").isPositive();
        assertThat(fetched).as("crashed or partitioned nodes caught up by fetching blocks").isPositive();
    }
}
