package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.LeaderElectionAlgorithm;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Committed schedules under attack: a Byzantine leader that puts a schedule other than the algorithm's in the block
 * opening an epoch gets no vote from an honest node, so no QC (the simulation checks after every event that no honest
 * node holds a QC for, or commits, such a block); a leader-election algorithm that answers differently on different
 * nodes costs rounds, never safety.
 */
class EpochScheduleSimulationTest {
    @Test
    void aLeaderProposingAWrongScheduleGetsNoQcAndTheOthersStaySafeAndLive() {
        long mismatches = 0;
        int byzantineRuns = 0;
        for (long seed = 1; seed <= 80; seed++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 60, EnumSet.allOf(Fault.class), seed).withElection(5, new RoundRobinElection()));
            assertThat(r.failed()).as(r.describe()).isFalse();
            if (r.byzantineRoles().containsValue("wrong_schedule")) {
                byzantineRuns++;
                assertThat(r.committedBlocks()).as(r.describe()).isPositive();
                mismatches += r.counters().getOrDefault("rejected.schedule-mismatch", 0L);
            }
        }
        assertThat(byzantineRuns).isPositive();
        assertThat(mismatches).as("honest voters refused the wrong schedules").isPositive();
    }

    /** Answers like round robin to one caller and rotated to the next: as a non-deterministic plugin would. */
    static final class Inconsistent implements LeaderElectionAlgorithm {
        private int calls;

        @Override
        public Optional<List<Integer>> schedule(io.backplane.node.consensus.liveness.ScheduleInput in) {
            List<Integer> rr = new RoundRobinElection().schedule(in).orElseThrow();
            if (calls++ % 2 == 0 || in.scheduleEpoch() % 2 == 0) {
                return Optional.of(rr);
            }
            List<Integer> rotated = new ArrayList<>(rr.subList(1, rr.size()));
            rotated.add(rr.getFirst());
            return Optional.of(rotated);
        }
    }

    @Test
    void aNonDeterministicElectionCostsRoundsNeverSafety() {
        long mismatches = 0;
        for (long seed = 1; seed <= 40; seed++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 40, EnumSet.of(Fault.DROPS), seed).withElection(4, new Inconsistent()));
            assertThat(r.safetyViolations()).as(r.describe()).isZero();
            mismatches += r.counters().getOrDefault("rejected.schedule-mismatch", 0L);
        }
        assertThat(mismatches).isPositive();
    }

    @Test
    void schedulesAreCarriedAcrossManyEpochBoundariesWithSevenValidators() {
        for (long seed = 1; seed <= 30; seed++) {
            SimResult r = Simulation.run(SimConfig.of(7, 2, 80, EnumSet.allOf(Fault.class), seed).withElection(3, new RoundRobinElection()));
            assertThat(r.failed()).as(r.describe()).isFalse();
            assertThat(r.rounds()).isGreaterThan(3 * 10);
        }
    }

    @Test
    void longRunsPruneTheScheduleStateAndStaySafeAndLive() {
        // Hundreds of blocks per node, so the per-block schedule state is pruned below the committed root many times. A silent
        // validator makes every round it leads or collects votes for time out (about 200 rounds in the time bound), so the
        // block count is asserted on the first four seeds whose Byzantine validator is not silent; every seed must be safe and live.
        int counted = 0;
        for (long seed = 1; counted < 4; seed++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 700, EnumSet.allOf(Fault.class), seed).withElection(7, new RoundRobinElection()));
            assertThat(r.failed()).as(r.describe()).isFalse();
            if (!r.byzantineRoles().containsValue("silent")) {
                assertThat(r.committedBlocks()).as(r.describe()).isGreaterThan(300);
                counted++;
            }
        }
    }
}
