package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.opencl.OpenClRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench command's contract (shape, registry, usage errors); the figures themselves are not asserted. */
class BenchCommandIT {
    @Test
    void reportsEveryBackendPerBatchSizeWithRatiosToTheCpu() throws Exception {
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "sha256,vdf-verify", "--max-batch", "16", "--min-time-ms", "0",
                "--json", "--home", AccelCommandIT.HOME);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode doc = JsonOutput.MAPPER.readTree(r.out());
        assertThat(doc.get("ops")).extracting(o -> o.get("op").asText()).containsExactly("sha256", "vdf-verify");
        int backends = 1 + OpenClRuntime.devices().size();
        JsonNode sha = doc.get("ops").get(0);
        assertThat(sha.get("rows")).hasSize(2 * backends); // batch 1 and 16
        for (JsonNode row : sha.get("rows")) {
            assertThat(row.get("itemsPerSecond").asDouble()).isPositive();
            assertThat(row.get("medianMillis").asDouble()).isPositive();
            assertThat(row.get("iterations").asInt()).isGreaterThanOrEqualTo(3);
            if (row.get("backend").asText().equals("cpu")) {
                assertThat(row.get("ratioToCpu").asDouble()).isEqualTo(1.0);
            } else {
                assertThat(row.get("backend").asText()).matches("opencl:\\d+");
                assertThat(row.get("ratioToCpu").asDouble()).isPositive();
            }
        }
        assertThat(sha.get("note").asText()).isNotBlank();
        assertThat(sha.get("crossovers").size()).isEqualTo(backends - 1);
        assertThat(sha.has("crossover")).isTrue();
    }

    @Test
    void unknownOpsAreRefusedWithTheKnownList() {
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "sha256,hsm-ecdsa-typo", "--home", AccelCommandIT.HOME);
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("unknown op hsm-ecdsa-typo").contains("known: sha256, merkle, vdf-verify, bls-aggregate, "
                + "bls-aggregate-pubkeys, bls-batch-verify, ed25519-verify, hsm-ecdsa, hsm-bls-sign");
    }

    @Test
    void otherModulesPlugSuitesIntoTheRegistry() throws Exception {
        BenchCommand.register("test-noop", () -> new BenchCommand.Suite() {
            @Override
            public String unit() {
                return "nothing";
            }

            @Override
            public BenchCommand.Report run(BenchCommand.Settings s) {
                return new BenchCommand.Report("test-noop", "nothing", List.of("here"),
                        List.of(new BenchCommand.Row("here", 1, 1, 1.0, 1000.0, null)), null, java.util.Map.of(), "plugged in");
            }
        });
        assertThat(BenchCommand.known()).contains("test-noop", "sha256");
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "test-noop", "--home", AccelCommandIT.HOME);
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("test-noop (nothing)").contains("plugged in");
    }

    @Test
    void signatureSuitesReportTheTransferShareOfEveryDeviceRow() throws Exception {
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "ed25519-verify,bls-aggregate-pubkeys,bls-aggregate,bls-batch-verify",
                "--max-batch", "10", "--min-time-ms", "0", "--json", "--home", AccelCommandIT.HOME);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode ops = JsonOutput.MAPPER.readTree(r.out()).get("ops");
        assertThat(ops).extracting(o -> o.get("op").asText())
                .containsExactly("ed25519-verify", "bls-aggregate-pubkeys", "bls-aggregate", "bls-batch-verify");
        int devices = OpenClRuntime.devices().size();
        for (JsonNode op : ops) {
            boolean onDevice = true; // all four have a device path now
            int backends = 1 + (onDevice ? devices : 0);
            boolean ed = op.get("op").asText().equals("ed25519-verify");
            // ed25519-verify: batch 1 only (its sizes are 1, 16, 64, ...), plus the cpu-bc baseline row; BLS: 1 and 10.
            assertThat(op.get("rows")).as(op.get("op").asText()).hasSize(ed ? backends + 1 : 2 * backends);
            for (JsonNode row : op.get("rows")) {
                assertThat(row.get("itemsPerSecond").asDouble()).isPositive();
                if (row.get("backend").asText().equals("cpu-bc")) {
                    assertThat(row.get("ratioToCpu").asDouble()).isPositive();
                }
                if (row.get("backend").asText().startsWith("cpu")) {
                    assertThat(row.get("transferShare").isNull()).isTrue();
                } else {
                    assertThat(row.get("transferShare").asDouble()).isBetween(0.0, 1.0);
                }
            }
            assertThat(op.get("note").asText()).doesNotContain("has no kernel");
            if (ed) {
                assertThat(op.get("note").asText()).contains("cpu over cpu-bc (alternating calls, medians) by batch: 1: ");
            }
        }
        // The first device's crossovers are saved in the home as its dispatch thresholds (here: never, on PoCL).
        JsonNode cal = JsonOutput.MAPPER.readTree(r.out()).get("calibration");
        if (devices == 0) {
            assertThat(cal.isNull()).isTrue();
        } else {
            java.nio.file.Path file = java.nio.file.Path.of(cal.get("file").asText());
            io.backplane.accel.Calibration saved = io.backplane.accel.Calibration.load(file).orElseThrow();
            assertThat(saved.device()).isEqualTo(cal.get("device").asText());
            assertThat(saved.thresholds()).containsKeys("ed25519-verify", "bls-aggregate-pubkeys", "bls-aggregate", "bls-batch-verify");
            for (JsonNode op : ops) {
                JsonNode x = op.get("crossovers").elements().next();
                assertThat(saved.thresholds().get(op.get("op").asText())).as(op.get("op").asText())
                        .isEqualTo(x.isNull() ? Integer.MAX_VALUE : x.asInt());
            }
        }
    }

    @Test
    void theCapSkipsBatchSizesThatWouldTakeTooLongAndSaysSo() throws Exception {
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "bls-batch-verify", "--device", "cpu", "--max-batch", "100000",
                "--min-time-ms", "0", "--max-point-ms", "1", "--json", "--home", AccelCommandIT.HOME);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode op = JsonOutput.MAPPER.readTree(r.out()).get("ops").get(0);
        assertThat(op.get("rows")).hasSize(1); // batch 1 is measured; batch 10 would take more than 1 ms
        assertThat(op.get("note").asText()).contains("batch sizes from 10 up were skipped").contains("--max-point-ms 1 ms");
    }

    @Test
    void hsmSuitesCompareTheGuardedSignerWithTheBarePaths() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.backplane.hsm.pkcs11.SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed");
        java.nio.file.Path home = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("target"), "bench-hsm-home");
        InProcessCli.Result r = InProcessCli.run("bench", "--ops", "hsm-ecdsa,hsm-bls-sign", "--min-time-ms", "0", "--json", "--home", home.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode ops = JsonOutput.MAPPER.readTree(r.out()).get("ops");
        assertThat(ops).extracting(o -> o.get("op").asText()).containsExactly("hsm-ecdsa", "hsm-bls-sign");
        assertThat(ops.get(0).get("rows")).extracting(x -> x.get("backend").asText()).containsExactly("bare-pkcs11", "guarded");
        assertThat(ops.get(1).get("rows")).extracting(x -> x.get("backend").asText()).containsExactly("bare-blst", "guarded");
        for (JsonNode op : ops) {
            JsonNode bare = op.get("rows").get(0);
            JsonNode guarded = op.get("rows").get(1);
            assertThat(bare.get("ratioToCpu").asDouble()).isEqualTo(1.0);
            assertThat(guarded.get("ratioToCpu").asDouble())
                    .isCloseTo(guarded.get("itemsPerSecond").asDouble() / bare.get("itemsPerSecond").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(guarded.get("iterations").asInt()).isGreaterThanOrEqualTo(10);
            assertThat(guarded.get("medianMillis").asDouble()).isPositive();
            assertThat(op.get("note").asText()).contains("guarded path");
        }
        assertThat(io.backplane.hsm.pkcs11.ProcessEnv.chosenSoftHsmConfig()).exists();
        assertThat(home.resolve("bench")).doesNotExist(); // keystore and token live in the scratch directory
    }
}
