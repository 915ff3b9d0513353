package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Replays one seed from a plain test: {@code -Dsim.seed=S -Dsim.nodes=N -Dsim.byzantine=F -Dsim.rounds=R
 * -Dsim.faults=partitions,drops,crashes,twins} (the defaults replay seed 1 of the n = 4 suite).
 */
class SimulationReplayTest {
    @Test
    void replaysOneSeed() {
        SimConfig cfg = SimConfig.of(Integer.getInteger("sim.nodes", 4), Integer.getInteger("sim.byzantine", 1),
                Long.getLong("sim.rounds", 40), Fault.parse(System.getProperty("sim.faults", "partitions,drops,crashes,twins")),
                Long.getLong("sim.seed", 1));
        int epochLength = Integer.getInteger("sim.epochLength", SimConfig.DEFAULT_EPOCH_LENGTH);
        cfg = epochLength == 0 ? cfg.withLeaders(io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule::new)
                : cfg.withElection(epochLength, new io.backplane.node.consensus.liveness.RoundRobinElection());
        SimResult r = Simulation.run(cfg);
        System.out.println(r.describe());
        r.violations().forEach(v -> System.out.println("  " + v));
        assertThat(r.failed()).as(r.describe()).isFalse();
    }
}
