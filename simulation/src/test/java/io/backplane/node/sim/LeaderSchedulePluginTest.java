package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.LeaderSchedule;
import java.util.EnumSet;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * A leader schedule other than round robin plugs into the simulation (this is where the enclave-hosted
 * leader-election plugin will go), and "undecided" answers make every node abstain for that round: liveness
 * suffers for that round only, safety never.
 */
class LeaderSchedulePluginTest {
    /** Reverse round robin, undecided every seventh round (as a plugin that missed its deadline would be). */
    static LeaderSchedule sometimesUndecided(int n) {
        return (epoch, round) -> round % 7 == 0 ? OptionalInt.empty() : OptionalInt.of((int) ((n - 1) - Math.floorMod(round, (long) n)));
    }

    @Test
    void anotherScheduleWorksAndUndecidedRoundsAreAbstainedNotGuessed() {
        long abstained = 0;
        for (long seed = 1; seed <= 30; seed++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 50, EnumSet.of(Fault.DROPS, Fault.PARTITIONS), seed)
                    .withLeaders(LeaderSchedulePluginTest::sometimesUndecided));
            assertThat(r.failed()).as(r.describe()).isFalse();
            assertThat(r.committedBlocks()).isPositive();
            assertThat(r.counters().getOrDefault("proposals.made", 0L)).isPositive();
            abstained += r.counters().getOrDefault("abstain.leader-undecided", 0L);
        }
        assertThat(abstained).isPositive();
    }
}
