package io.backplane.hsm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.TestTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the benchmark briefly: it must produce one bare and one guarded row per op, with consistent numbers. */
class HsmBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    void producesGuardedAndBareRowsForEveryOp() {
        TestTokens.library();
        Path softHsmDir = TestTokens.softHsm().configFile().getParent();
        List<HsmBenchmark.Row> rows = HsmBenchmark.run(softHsmDir, dir, HsmBenchmark.OPS, Duration.ofMillis(200));
        System.out.print(HsmBenchmark.format(rows));
        assertThat(rows).extracting(r -> r.op() + "/" + r.path())
                .containsExactly("hsm-ecdsa/bare-pkcs11", "hsm-ecdsa/guarded", "hsm-bls-sign/bare-blst", "hsm-bls-sign/guarded");
        for (HsmBenchmark.Row r : rows) {
            assertThat(r.operations()).isGreaterThanOrEqualTo(10);
            assertThat(r.opsPerSecond()).isPositive();
            assertThat(r.medianMicros()).isPositive();
            assertThat(r.p99Micros()).isGreaterThanOrEqualTo(r.medianMicros());
        }
        assertThat(rows.get(0).ratio()).isEqualTo(1.0);
        assertThat(rows.get(1).ratio()).isEqualTo(rows.get(1).opsPerSecond() / rows.get(0).opsPerSecond());
        assertThatThrownBy(() -> HsmBenchmark.run(softHsmDir, dir, List.of("hsm-rsa"), Duration.ofMillis(1)))
                .hasMessageContaining("unknown HSM benchmark op 'hsm-rsa'");
    }
}
