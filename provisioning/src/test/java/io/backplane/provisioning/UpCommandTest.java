package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `up` trusts in a provisioned home besides the genesis: every damage of it is named, and nothing starts. */
class UpCommandTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedOrTruncatedLoadSeedIsNamed() throws Exception {
        Path f = dir.resolve("load-seed");
        byte[] good = ("ab".repeat(32) + "\n").getBytes();
        Files.write(f, good);
        assertThat(UpCommand.loadSeed(f)).hasSize(32);
        for (int cut = 0; cut < good.length - 1; cut++) {
            Files.write(f, java.util.Arrays.copyOf(good, cut));
            assertThatThrownBy(() -> UpCommand.loadSeed(f)).isInstanceOf(CommandFailure.class).hasMessageContaining(f.toString());
        }
        Files.writeString(f, "zz".repeat(32));
        assertThatThrownBy(() -> UpCommand.loadSeed(f)).hasMessageContaining("32-byte seed");
        Files.delete(f);
        assertThatThrownBy(() -> UpCommand.loadSeed(f)).hasMessageContaining(f.toString());
    }

    @Test
    void metricsAddressesMustBeOneHostAndPortPerNode() throws Exception {
        Path f = dir.resolve("metrics-ports");
        Files.write(f, List.of("127.0.0.1:9100", "127.0.0.1:9101"));
        assertThat(UpCommand.metricsAddresses(f, 2)).containsExactly("127.0.0.1:9100", "127.0.0.1:9101");
        assertThatThrownBy(() -> UpCommand.metricsAddresses(f, 3)).hasMessageContaining("2 metrics addresses for 3 nodes");
        Files.write(f, List.of("127.0.0.1:9100", "127.0.0.1:"));
        assertThatThrownBy(() -> UpCommand.metricsAddresses(f, 2)).hasMessageContaining("HOST:PORT");
        Files.delete(f);
        assertThatThrownBy(() -> UpCommand.metricsAddresses(f, 2)).hasMessageContaining("cannot read");
    }

    @Test
    void durationsAndRatesAreUsageErrorsWhenOutOfRange() {
        assertThat(UpCommand.parseDuration("60s")).isEqualTo(60_000);
        assertThat(UpCommand.parseDuration("2m")).isEqualTo(120_000);
        assertThat(UpCommand.parseDuration("500ms")).isEqualTo(500);
        assertThat(UpCommand.parseDuration("1.5h")).isEqualTo(5_400_000);
        assertThat(UpCommand.parseDuration("30")).isEqualTo(30_000);
        for (String bad : List.of("x", "0s", "-5s", "1e400s", "400d", "", "5 s", "9".repeat(400) + "s")) {
            assertThatThrownBy(() -> UpCommand.parseDuration(bad)).as(bad).isInstanceOf(CommandFailure.class);
        }
        assertThat(UpCommand.parseRate("max")).isInfinite();
        for (String bad : List.of("0", "-1", "MAX", "NaN", "Infinity")) {
            assertThatThrownBy(() -> UpCommand.parseRate(bad)).as(bad).isInstanceOf(CommandFailure.class);
        }
    }
}
