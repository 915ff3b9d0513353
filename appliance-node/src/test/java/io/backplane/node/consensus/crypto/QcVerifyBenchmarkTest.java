package io.backplane.node.consensus.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark runs end to end with tiny counts (every path's QC verifies, or it throws); no timing is asserted. */
class QcVerifyBenchmarkTest {
    @Test
    void runsEveryPathEndToEndAndReportsMedians() {
        QcVerifyBenchmark.Result r = QcVerifyBenchmark.run(4, 3, 1L);
        assertThat(r.signers()).isEqualTo(4);
        assertThat(r.calls()).isEqualTo(3);
        for (QcVerifyBenchmark.Path p : List.of(r.node(), r.keySetOnly(), r.raw(), r.rawCoreVerify(), r.before())) {
            assertThat(p.wallMicros()).as(p.name()).isPositive();
            assertThat(p.cpuMicros()).as(p.name()).isNotNegative();
        }
        assertThat(r.node().name()).contains("bls-fast-aggregate-verify-set");
        assertThat(r.ratioWall()).isPositive();
    }

    @Test
    void theMainPrintsTheRatio() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            QcVerifyBenchmark.main(new String[] {"3", "2"});
        } finally {
            System.setOut(old);
        }
        assertThat(buf.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("QC verification of 3 signers")
                .contains("ratio node / raw:");
    }
}
