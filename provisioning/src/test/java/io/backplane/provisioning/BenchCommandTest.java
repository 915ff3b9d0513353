package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.opencl.OpenClRuntime;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench command's contract (shape, registry, usage errors); the figures themselves are not asserted. */
class BenchCommandTest {
    @Test
    void reportsEveryBackendPerBatchSizeWithRatiosToTheCpu() throws Exception {
        CliTest.Result r = CliTest.run("bench", "--ops", "sha256,vdf-verify", "--max-batch", "16", "--min-time-ms", "0",
                "--json", "--home", AccelCommandTest.HOME);
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
        CliTest.Result r = CliTest.run("bench", "--ops", "sha256,hsm-ecdsa-typo", "--home", AccelCommandTest.HOME);
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("unknown op hsm-ecdsa-typo").contains("known: sha256, merkle, vdf-verify");
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
        CliTest.Result r = CliTest.run("bench", "--ops", "test-noop", "--home", AccelCommandTest.HOME);
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("test-noop (nothing)").contains("plugged in");
    }
}
