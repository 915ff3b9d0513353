package io.backplane.accel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClBackend;
import io.backplane.accel.opencl.TestDevices;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationIT {
    private static final Instant AT = Instant.parse("2026-12-02T07:00:00Z");

    @TempDir
    Path dir;

    private static Map<String, Integer> crossovers() {
        Map<String, Integer> m = new HashMap<>();
        m.put("sha256", 4096);
        m.put("merkle", null); // never caught up
        m.put("ed25519-verify", -1);
        return m;
    }

    @Test
    void crossoversBecomeThresholdsAndNeverCaughtUpMeansNever() {
        Calibration c = Calibration.fromCrossovers("dev", AT, "backplane bench", crossovers());
        assertThat(c.thresholds()).containsEntry("sha256", 4096).containsEntry("merkle", Integer.MAX_VALUE)
                .containsEntry("ed25519-verify", Integer.MAX_VALUE);
        assertThat(c.describe()).containsExactly("ed25519-verify: never", "merkle: never", "sha256: from 4096");
    }

    @Test
    void savedCalibrationLoadsBackForTheSameDeviceOnly() throws IOException {
        Path f = dir.resolve(Calibration.FILE);
        Calibration c = Calibration.fromCrossovers("opencl:0 some GPU", AT, "backplane bench", crossovers());
        c.save(f);
        Calibration back = Calibration.load(f).orElseThrow();
        assertThat(back).isEqualTo(c);
        assertThat(back.thresholdsFor("opencl:0 some GPU")).contains(c.thresholds());
        assertThat(back.thresholdsFor("opencl:0 another GPU")).isEmpty();
        assertThat(Calibration.load(dir.resolve("absent.properties"))).isEmpty();
    }

    @Test
    void damagedFilesAreRefusedNamingTheFileAndTheKey() throws IOException {
        Path f = dir.resolve("cal.properties");
        String good = "device=d\nsource=s\nmeasuredAt=2026-12-02T07:00:00Z\nthreshold.sha256=4096\n";
        Map<String, String> bad = Map.of(
                good.replace("4096", "lots"), "key threshold.sha256 must be a batch size >= 1 or never, got 'lots'",
                good.replace("4096", "0"), "key threshold.sha256 must be a batch size",
                good.replace("device=d\n", ""), "key device is missing",
                good.replace("2026-12-02T07:00:00Z", "yesterday"), "key measuredAt is not an instant",
                good + "colour=blue\n", "unknown key colour",
                good.replace("threshold.sha256=4096\n", ""), "no threshold.<op> key",
                "", "key device is missing");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Files.writeString(f, e.getKey(), StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Calibration.load(f)).as(e.getKey()).isInstanceOf(IOException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining(e.getValue());
        }
        Files.writeString(f, good, StandardCharsets.UTF_8);
        assertThat(Calibration.load(f).orElseThrow().thresholds()).containsExactly(Map.entry("sha256", 4096));
    }

    @Test
    void aShortCalibrationOnTheDeviceMeasuresEveryOperationItHasAKernelFor() throws IOException {
        TestDevices.assumeDevice();
        OpenClBackend dev = TestDevices.shared(TestDevices.handles().get(0));
        Calibration c = Calibration.measure(new CpuBackend(), dev, 1, 0, System::nanoTime, AT); // batch 1 only: seconds, not a minute
        assertThat(c.device()).isEqualTo(dev.describe());
        assertThat(c.thresholds().keySet()).containsExactlyInAnyOrder("sha256", "merkle", "vdf-verify", "ed25519-verify",
                "bls-aggregate", "bls-aggregate-pubkeys", "bls-batch-verify");
        assertThat(c.thresholds().values()).allSatisfy(t -> assertThat(t).isPositive());
    }

    @Test
    void anAcceleratorWithoutCalibrationMeasuresAtStartSavesItAndTheNextStartReadsIt() throws IOException {
        TestDevices.assumeDevice();
        Path f = dir.resolve(Calibration.FILE);
        try (Accelerator a = Backends.openCalibrated("opencl", TestDevices.CACHE, Accelerator.Options.defaults(), f, 1)) {
            Calibration c = Calibration.load(f).orElseThrow();
            assertThat(c.source()).isEqualTo("startup calibration");
            assertThat(c.device()).isEqualTo(a.device().orElseThrow().describe());
            for (AccelOp<?, ?> op : List.of(AccelOp.SHA256, AccelOp.ED25519_VERIFY, AccelOp.BLS_AGGREGATE)) {
                assertThat(a.threshold(op)).as(op.name()).isEqualTo(c.thresholds().get(op.name()));
            }
        }
        Instant first = Calibration.load(f).orElseThrow().measuredAt();
        try (Accelerator a = Backends.openCalibrated("opencl", TestDevices.CACHE, Accelerator.Options.defaults(), f, 1)) {
            assertThat(Calibration.load(f).orElseThrow().measuredAt()).isEqualTo(first); // read, not measured again
        }
    }

    @Test
    void theAcceleratorTakesCalibratedThresholdsForItsDeviceAndConfiguredOnesWin() throws IOException {
        TestDevices.assumeDevice();
        Path f = dir.resolve(Calibration.FILE);
        String describe;
        try (OpenClBackend probe = TestDevices.fresh()) {
            describe = probe.describe();
        }
        new Calibration(describe, AT, "backplane bench", Map.of("sha256", 77, "merkle", Integer.MAX_VALUE)).save(f);
        try (Accelerator a = Backends.openCalibrated("opencl", TestDevices.CACHE, Accelerator.Options.defaults()
                .withThresholds(Map.of("merkle", 5)), f, 0)) {
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(77);
            assertThat(a.threshold(AccelOp.MERKLE)).isEqualTo(5);
        }
        // A calibration of another device is not used: the engine's own rule applies (PoCL shares the host: never).
        new Calibration("another device", AT, "backplane bench", Map.of("sha256", 77)).save(f);
        try (Accelerator a = Backends.openCalibrated("opencl", TestDevices.CACHE, Accelerator.Options.defaults(), f, 0)) {
            assertThat(a.threshold(AccelOp.SHA256)).isNotEqualTo(77);
        }
        Files.writeString(f, "device=x\n");
        assertThatThrownBy(() -> Backends.openCalibrated("opencl", TestDevices.CACHE, Accelerator.Options.defaults(), f, 0))
                .isInstanceOf(IOException.class).hasMessageContaining(f.toString());
    }
}
