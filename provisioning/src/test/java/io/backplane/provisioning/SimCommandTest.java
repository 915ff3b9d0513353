package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimCommandTest {
    @Test
    void printsTheDocumentedJsonShapeForEachSeed() throws Exception {
        InProcessCli.Result r = InProcessCli.run("sim", "--nodes", "4", "--byzantine", "1", "--seeds", "3", "--rounds", "30",
                "--faults", "partitions,drops,crashes,twins", "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
        JsonNode doc = JsonOutput.MAPPER.readTree(r.out());
        assertThat(names(doc)).containsExactly("safetyViolations", "runs");
        assertThat(doc.get("safetyViolations").asLong()).isZero();
        assertThat(doc.get("runs")).hasSize(3);
        long seed = 1;
        for (JsonNode run : doc.get("runs")) {
            assertThat(names(run)).containsExactly("seed", "safetyViolations", "committedBlocks", "longestStallRounds", "replay",
                    "roundsReached", "targetRounds", "liveness");
            assertThat(names(run.get("liveness"))).containsExactly("healedAtRound", "committedAfterHeal", "ok");
            assertThat(run.get("liveness").get("ok").asBoolean()).isTrue();
            assertThat(run.get("liveness").get("committedAfterHeal").asLong()).isPositive();
            assertThat(run.get("roundsReached").asLong()).isGreaterThanOrEqualTo(run.get("liveness").get("healedAtRound").asLong());
            assertThat(run.get("seed").asLong()).isEqualTo(seed++);
            assertThat(run.get("safetyViolations").asInt()).isZero();
            assertThat(run.get("committedBlocks").asLong()).isPositive();
            assertThat(run.get("longestStallRounds").asLong()).isNotNegative();
            assertThat(run.get("replay").asText()).startsWith("./backplane sim --nodes 4 --byzantine 1 --rounds 30 --faults partitions,drops,crashes,twins --epoch-length 10 --seeds 1 --seed ");
        }
    }

    @Test
    void aPassThroughGuardRunSaysSoInItsReplayAndReproduces() throws Exception {
        JsonNode doc = JsonOutput.MAPPER.readTree(InProcessCli.run("sim", "--nodes", "4", "--byzantine", "1", "--seeds", "1", "--seed", "5",
                "--rounds", "30", "--pass-through-guard", "--json").out());
        JsonNode run = doc.get("runs").get(0);
        assertThat(run.get("safetyViolations").asInt()).isZero();
        assertThat(run.get("replay").asText()).contains(" --pass-through-guard ");
        JsonNode again = JsonOutput.MAPPER.readTree(InProcessCli.run(run.get("replay").asText().replace("./backplane ", "").split(" ")).out());
        assertThat(again.get("runs").get(0)).isEqualTo(run);
    }

    @Test
    void theReplayCommandReproducesTheRun() throws Exception {
        JsonNode doc = JsonOutput.MAPPER.readTree(InProcessCli.run("sim", "--nodes", "7", "--byzantine", "2", "--seeds", "2", "--seed", "40",
                "--rounds", "30", "--json").out());
        JsonNode second = doc.get("runs").get(1);
        String[] replay = second.get("replay").asText().replace("./backplane ", "").split(" ");
        JsonNode again = JsonOutput.MAPPER.readTree(InProcessCli.run(replay).out());
        assertThat(again.get("runs")).hasSize(1);
        assertThat(again.get("runs").get(0)).isEqualTo(second);
    }

    @Test
    void humanOutputHasOneLinePerSeedAndASummary() {
        InProcessCli.Result r = InProcessCli.run("sim", "--seeds", "2", "--rounds", "20", "--faults", "none");
        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("(?m)^seed 1 +ok").containsPattern("(?m)^seed 2 +ok").contains("sim: 2 run(s), 0 failed, 0 safety violation(s)");
    }

    @Test
    void badArgumentsExit2WithTheReason() {
        InProcessCli.Result tooMany = InProcessCli.run("sim", "--nodes", "4", "--byzantine", "2");
        assertThat(tooMany.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(tooMany.err()).contains("3f < n");
        InProcessCli.Result fault = InProcessCli.run("sim", "--faults", "drops,meteors");
        assertThat(fault.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(fault.err()).contains("unknown fault 'meteors'");
        assertThat(InProcessCli.run("sim", "--seeds", "0").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(InProcessCli.run("sim", "--nodes", "four").code()).isEqualTo(ExitCodes.USAGE);
    }

    static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
