package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.opencl.OpenClRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backplane accel bls-*|ed25519-verify} through {@code Main.run}: the official vector files' {@code input}
 * objects go in (one line per case, every case of a handler in one file), and the answers must equal the vectors'
 * {@code output}s, on the CPU, on the OpenCL device (PoCL on CI) and through the Accelerator (auto).
 */
class AccelSignaturesCommandIT {
    @TempDir
    Path tmp;

    private static Path vectors() {
        return Path.of(System.getProperty("backplane.vectors", "../../shared/vectors"));
    }

    private static List<String> backends() {
        return OpenClRuntime.isAvailable() ? List.of("cpu", "opencl", "auto") : List.of("cpu", "auto");
    }

    /** The vector files of one handler, sorted, parsed. */
    private static List<JsonNode> cases(String handler) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(vectors().resolve("bls12-381-tests/v0.1.2").resolve(handler))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(JsonOutput.MAPPER.readTree(f.toFile()));
            }
        }
        assertThat(out).as(handler + " vectors").isNotEmpty();
        return out;
    }

    private Path inputs(String name, List<JsonNode> cases) throws IOException {
        Path f = tmp.resolve(name + ".jsonl");
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : cases) {
            sb.append(JsonOutput.MAPPER.writeValueAsString(c.get("input"))).append('\n');
        }
        Files.writeString(f, sb);
        return f;
    }

    @Test
    void everyOfficialBlsVectorGivesTheVectorsOutputOnEveryBackend() throws Exception {
        String[][] handlers = {{"aggregate", "bls-aggregate"}, {"verify", "bls-verify"},
                {"fast_aggregate_verify", "bls-fast-aggregate-verify"}, {"aggregate_verify", "bls-aggregate-verify"},
                {"batch_verify", "bls-batch-verify"}};
        int checked = 0;
        for (String[] h : handlers) {
            List<JsonNode> cases = cases(h[0]);
            Path in = inputs(h[0], cases);
            for (String backend : backends()) {
                InProcessCli.Result r = InProcessCli.run("accel", h[1], "--backend", backend, "--in", in.toString(), "--home", AccelCommandIT.HOME);
                assertThat(r.code()).as(h[1] + " on " + backend + ": " + r.err()).isZero();
                List<JsonNode> out = AccelCommandIT.lines(r.out());
                assertThat(out).as(h[1] + " on " + backend).hasSize(cases.size());
                for (int i = 0; i < cases.size(); i++) {
                    assertThat(out.get(i).get("output")).as(h[1] + " case " + i + " on " + backend).isEqualTo(cases.get(i).get("output"));
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(backends().size() * 40);
    }

    @Test
    void aggregatedPublicKeysVerifyTheFastAggregateVectorsSignatures() throws Exception {
        // No official vector for eth_aggregate_pubkeys here, so the spec's identity is the oracle:
        // FastAggregateVerify(pks, m, s) == Verify(AggregatePKs(pks), m, s) whenever every key is valid.
        List<JsonNode> cases = cases("fast_aggregate_verify");
        StringBuilder pkLines = new StringBuilder();
        for (JsonNode c : cases) {
            pkLines.append(JsonOutput.MAPPER.writeValueAsString(c.get("input").get("pubkeys"))).append('\n');
        }
        Path pkIn = tmp.resolve("pks.jsonl");
        Files.writeString(pkIn, pkLines);
        String reference = null;
        for (String backend : backends()) {
            InProcessCli.Result r = InProcessCli.run("accel", "bls-aggregate-pubkeys", "--backend", backend, "--in", pkIn.toString(),
                    "--home", AccelCommandIT.HOME);
            assertThat(r.code()).as(r.err()).isZero();
            if (reference == null) {
                reference = r.out();
            }
            assertThat(r.out()).as("bls-aggregate-pubkeys on " + backend).isEqualTo(reference);
        }
        List<JsonNode> aggs = AccelCommandIT.lines(reference);
        StringBuilder verifyLines = new StringBuilder();
        List<Integer> which = new ArrayList<>();
        int nulls = 0;
        for (int i = 0; i < cases.size(); i++) {
            JsonNode agg = aggs.get(i).get("output");
            if (agg.isNull()) {
                nulls++;
                assertThat(cases.get(i).get("output").asBoolean()).as("a null aggregate means an invalid key").isFalse();
                continue;
            }
            JsonNode in = cases.get(i).get("input");
            verifyLines.append(JsonOutput.MAPPER.writeValueAsString(java.util.Map.of("pubkey", agg.asText(),
                    "message", in.get("message").asText(), "signature", in.get("signature").asText()))).append('\n');
            which.add(i);
        }
        assertThat(nulls).as("the infinity-key and empty cases").isPositive();
        Path vIn = tmp.resolve("verify.jsonl");
        Files.writeString(vIn, verifyLines);
        List<JsonNode> verdicts = AccelCommandIT.lines(InProcessCli.run("accel", "bls-verify", "--backend", "cpu", "--in", vIn.toString(),
                "--home", AccelCommandIT.HOME).out());
        for (int k = 0; k < which.size(); k++) {
            assertThat(verdicts.get(k).get("output").asBoolean()).as("case " + which.get(k))
                    .isEqualTo(cases.get(which.get(k)).get("output").asBoolean());
        }
    }

    @Test
    void wycheproofEd25519IsOneBatchWithTheVectorsAnswersOnEveryBackend() throws Exception {
        JsonNode f = JsonOutput.MAPPER.readTree(vectors().resolve("wycheproof/testvectors_v1/ed25519_test.json").toFile());
        StringBuilder sb = new StringBuilder();
        List<Boolean> expected = new ArrayList<>();
        for (JsonNode g : f.get("testGroups")) {
            String pk = g.get("publicKey").get("pk").asText();
            for (JsonNode t : g.get("tests")) {
                sb.append(JsonOutput.MAPPER.writeValueAsString(java.util.Map.of("pk", pk, "msg", t.get("msg").asText(),
                        "sig", t.get("sig").asText()))).append('\n');
                expected.add(t.get("result").asText().equals("valid"));
            }
        }
        sb.append("{\"pk\":\"00\",\"msg\":\"\",\"sig\":\"zz\"}\n");  // not hex: an error line, the rest still answer
        sb.append("{\"pk\":\"00\",\"msg\":\"\",\"sig\":\"00\"}\n");  // wrong lengths: simply invalid
        Path in = tmp.resolve("ed.jsonl");
        Files.writeString(in, sb);
        for (String backend : backends()) {
            InProcessCli.Result r = InProcessCli.run("accel", "ed25519-verify", "--backend", backend, "--in", in.toString(), "--home", AccelCommandIT.HOME);
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.FAILURE); // because of the one error line
            List<JsonNode> out = AccelCommandIT.lines(r.out());
            assertThat(out).hasSize(expected.size() + 2);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(out.get(i).get("valid").asBoolean()).as("wycheproof case " + i + " on " + backend).isEqualTo(expected.get(i));
            }
            assertThat(out.get(expected.size()).at("/error/message").asText()).isEqualTo("sig: not hex");
            assertThat(out.get(expected.size() + 1).get("valid").asBoolean()).isFalse();
        }
    }

    @Test
    void aBatchVerifyLineAnswersPerSignatureAndBadLinesAreErrors() throws Exception {
        JsonNode valid = cases("batch_verify").stream().filter(c -> c.get("output").asBoolean()).findFirst().orElseThrow().get("input");
        com.fasterxml.jackson.databind.node.ObjectNode forged = valid.deepCopy();
        com.fasterxml.jackson.databind.node.ArrayNode sigs = (com.fasterxml.jackson.databind.node.ArrayNode) forged.get("signatures");
        String first = sigs.get(0).asText();
        sigs.set(0, sigs.get(1));
        sigs.set(1, JsonOutput.MAPPER.getNodeFactory().textNode(first));
        int n = sigs.size();
        Path in = tmp.resolve("bv.jsonl");
        Files.writeString(in, JsonOutput.MAPPER.writeValueAsString(valid) + "\n" + JsonOutput.MAPPER.writeValueAsString(forged) + "\n"
                + "{\"pubkeys\":[],\"messages\":[\"0x00\"],\"signatures\":[]}\n[1,2]\n");
        for (String backend : backends()) {
            InProcessCli.Result r = InProcessCli.run("accel", "bls-batch-verify", "--backend", backend, "--in", in.toString(), "--home", AccelCommandIT.HOME);
            List<JsonNode> out = AccelCommandIT.lines(r.out());
            assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(out.get(0).get("output").asBoolean()).isTrue();
            assertThat(out.get(0).get("each")).hasSize(n).allMatch(JsonNode::asBoolean);
            assertThat(out.get(1).get("output").asBoolean()).isFalse();
            assertThat(out.get(1).get("each").get(0).asBoolean()).isFalse();
            assertThat(out.get(1).get("each").get(1).asBoolean()).isFalse();
            for (int i = 2; i < n; i++) {
                assertThat(out.get(1).get("each").get(i).asBoolean()).as("untouched triple " + i).isTrue();
            }
            assertThat(out.get(2).at("/error/message").asText()).contains("same length");
            assertThat(out.get(3).at("/error/message").asText()).isEqualTo("pubkeys: missing or not an array");
        }
    }
}
