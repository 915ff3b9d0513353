package io.backplane.node.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
    private static final long MS = 1_000_000;
    private final ReconnectBackoff b = new ReconnectBackoff(100 * MS, 1_000 * MS, 5_000 * MS, new SplittableRandom(7));

    @Test
    void delaysDoubleWithJitterUpToTheCap() {
        long[] ceilings = {100, 200, 400, 800, 1_000, 1_000, 1_000};
        for (long ceiling : ceilings) {
            long d = b.lost(0);
            assertThat(d).isBetween(ceiling * MS / 2, ceiling * MS);
        }
    }

    @Test
    void jitterSpreadsTheDelays() {
        ReconnectBackoff other = new ReconnectBackoff(100 * MS, 100 * MS, 0, new SplittableRandom(8));
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 20; i++) {
            seen.add(other.lost(0));
        }
        assertThat(seen.size()).isGreaterThan(10);
    }

    @Test
    void onlyAConnectionThatLastedResetsTheBackoff() {
        for (int i = 0; i < 4; i++) {
            b.lost(0); // now at the 800 ms step
        }
        b.connected(10_000 * MS);
        assertThat(b.lost(10_000 * MS + 50 * MS)).as("cut right after the handshake").isGreaterThanOrEqualTo(500 * MS);
        b.connected(20_000 * MS);
        assertThat(b.lost(26_000 * MS)).as("after a stable connection").isLessThanOrEqualTo(100 * MS);
    }
}
