package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The many-seed suite signs with the simulated stand-in scheme; this runs the same consensus with real BLS12-381
 * (jblst) signatures, QC aggregation and TC aggregate-verify for some rounds at n = 4 with a Byzantine node, so
 * the real cryptographic path is exercised end to end.
 */
class RealBlsConsensusTest {
    @Test
    void commitsWithRealBlsQuorumCertificates() {
        for (long seed = 1; seed <= 2; seed++) {
            SimResult r = Simulation.run(SimConfig.of(4, 1, 24, EnumSet.of(Fault.DROPS), seed).withRealBls(true));
            assertThat(r.failed()).as(r.describe()).isFalse();
            assertThat(r.committedBlocks()).isGreaterThan(3);
            assertThat(r.counters().get("votes.verified")).isPositive();
            assertThat(r.counters().get("certs.verified")).isPositive();
        }
    }
}
