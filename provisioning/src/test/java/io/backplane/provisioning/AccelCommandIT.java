package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.opencl.OpenClRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backplane accel} through {@code Main.run}, on the CPU and on the real OpenCL device (PoCL on CI). */
class AccelCommandIT {
    /** A stable home under target/, so the OpenCL program cache survives between tests and runs. */
    static final String HOME = Path.of("target", "accel-cli-home").toAbsolutePath().toString();

    @TempDir
    Path tmp;

    static List<JsonNode> lines(String out) throws IOException {
        List<JsonNode> l = new ArrayList<>();
        for (String s : out.split("\n")) {
            if (!s.isBlank()) {
                l.add(JsonOutput.MAPPER.readTree(s));
            }
        }
        return l;
    }

    private int files;

    Path file(String... lines) throws IOException {
        Path f = tmp.resolve("in" + files++ + ".jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void sha256AnswersEveryLineInOrderAndFlagsTheMalformedOnes() throws Exception {
        Path in = file("{\"msg\":\"\"}", "{\"msg\":\"616263\"}", "{\"msg\":\"zz\"}", "not json", "{\"msg\":\"616\"}", "{}");
        for (String backend : List.of("cpu", "auto")) {
            InProcessCli.Result r = InProcessCli.run("accel", "sha256", "--backend", backend, "--in", in.toString(), "--home", HOME);
            List<JsonNode> out = lines(r.out());
            assertThat(out).hasSize(6);
            assertThat(out.get(0).get("digest").asText()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
            assertThat(out.get(1).get("digest").asText()).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assertThat(out.get(2).at("/error/message").asText()).isEqualTo("msg: not hex");
            assertThat(out.get(3).at("/error/message").asText()).startsWith("not JSON");
            assertThat(out.get(4).at("/error/message").asText()).isEqualTo("msg: odd number of hex digits");
            assertThat(out.get(5).at("/error/message").asText()).isEqualTo("msg: missing or not a string");
            assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        }
    }

    @Test
    void everyLineIsAnsweredAndTheInputRulesAreTheSameForAFileAndForStdin() throws Exception {
        byte[] input = ("{\"msg\":\"0x616263\"}\n"          // 0x prefix: accepted as in the BLS ops
                + "\n"                                       // blank: answered with an error
                + "{\"msg\":\"616263\"} {\"msg\":\"00\"}\n"   // trailing garbage after the object
                + "{\"msg\":\"616263\",\"mgs\":\"00\"}\n"      // unknown field
                + "{\"msg\":\"61\u00ff\"}\n"                     // not UTF-8 (written as bytes below)
                + "{\"msg\":\"616263\"}").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // no final newline
        Path in = tmp.resolve("rules.jsonl");
        Files.write(in, input);
        InProcessCli.Result fromFile = InProcessCli.run("accel", "sha256", "--backend", "cpu", "--in", in.toString(), "--home", HOME);
        java.io.InputStream stdin = System.in;
        InProcessCli.Result fromStdin;
        try {
            System.setIn(new java.io.ByteArrayInputStream(input));
            fromStdin = InProcessCli.run("accel", "sha256", "--backend", "cpu", "--home", HOME);
        } finally {
            System.setIn(stdin);
        }
        for (InProcessCli.Result r : List.of(fromFile, fromStdin)) {
            List<JsonNode> out = lines(r.out());
            assertThat(out).as(r.out() + r.err()).hasSize(6);
            String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
            assertThat(out.get(0).get("digest").asText()).isEqualTo(abc);
            assertThat(out.get(1).at("/error/message").asText()).startsWith("blank line");
            assertThat(out.get(2).at("/error/message").asText()).contains("something follows the JSON value");
            assertThat(out.get(3).at("/error/message").asText()).isEqualTo("unknown field 'mgs' (sha256 takes msg)");
            assertThat(out.get(4).at("/error/message").asText()).isEqualTo("not valid UTF-8");
            assertThat(out.get(5).get("digest").asText()).isEqualTo(abc);
            assertThat(out.get(1).at("/error/code").asInt()).isEqualTo(ExitCodes.FAILURE);
            assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        }
        assertThat(fromStdin.out()).isEqualTo(fromFile.out());
        // The 0x prefix means the same in merkle and vdf fields as in sha256 and the BLS ops.
        InProcessCli.Result merkle = InProcessCli.run("accel", "merkle", "--backend", "cpu", "--home", HOME,
                "--in", file("{\"leaves\":[\"0x00\",\"01\"]}", "{\"leaves\":[\"00\",\"01\"]}").toString());
        List<JsonNode> m = lines(merkle.out());
        assertThat(m.get(0).get("root").asText()).isEqualTo(m.get(1).get("root").asText()).isNotEmpty();
    }

    @Test
    void runLevelFailuresAreOneJsonErrorUnderJsonAndStderrOnlyWithout() throws Exception {
        InProcessCli.Result json = InProcessCli.run("accel", "sha256", "--in", tmp.resolve("missing.jsonl").toString(), "--home", HOME, "--json");
        assertThat(json.code()).isEqualTo(ExitCodes.FAILURE);
        JsonNode doc = JsonOutput.MAPPER.readTree(json.out());
        assertThat(doc.at("/error/code").asInt()).isEqualTo(ExitCodes.FAILURE);
        assertThat(doc.at("/error/message").asText()).contains("missing.jsonl").contains("no such file");
        InProcessCli.Result plain = InProcessCli.run("accel", "sha256", "--in", tmp.resolve("missing.jsonl").toString(), "--home", HOME);
        assertThat(plain.out()).isEmpty();
        assertThat(plain.err()).contains("missing.jsonl");
        InProcessCli.Result op = InProcessCli.run("accel", "sha-256", "--home", HOME, "--json");
        assertThat(op.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(JsonOutput.MAPPER.readTree(op.out()).at("/error/message").asText()).contains("unknown op 'sha-256'");
    }

    @Test
    void deviceAndCpuGiveTheSameAnswersForEveryOperation() throws Exception {
        assumeTrue(OpenClRuntime.isAvailable(), "no OpenCL device");
        String x = "03007423ed580d55b63211991f7dc88033f5df764ceb5881110e083f7a9d8d604aa6a584ab7aa52c33929de23523ca90356c014b51cf7040193f6f954b6220a82778260752b5be3fb60d7ab3d0f05797609be630451dc8dfe571d4492feaa98615a6370e14fc41cd82a64ce232f2779318cd5e354fa51db6fb4a81f2f1fef670d2aea622f7af56cef7fdb804104d8f166842c8eed0de6805cdeb18470c70f761d4842908d1c889152faa1e05bda30f4846e7df4ba9e6a10d3253e6f08a309b890e24eb8065f29cd8ae6055585de86329c21bd9533aa8da9a476152e1b3df2d8a98a22afdb2f3570e2e913863455bb76673e1048ffc84925c7fe32ebf79d180d6";
        InProcessCli.Result eval = InProcessCli.run("accel", "vdf-eval", "--backend", "cpu", "--home", HOME,
                "--in", file("{\"x\":\"" + x + "\",\"t\":100}", "{\"x\":\"00\",\"t\":5}", "{\"x\":\"" + x + "\",\"t\":0}").toString());
        List<JsonNode> ev = lines(eval.out());
        assertThat(ev.get(1).at("/error/message").asText()).isEqualTo("x: must be 256 bytes, got 1");
        assertThat(ev.get(2).at("/error/message").asText()).startsWith("t: must be in [1, 2^40]");
        String y = ev.get(0).get("y").asText();
        String proof = ev.get(0).get("proof").asText();
        Path verifyIn = file(
                "{\"x\":\"" + x + "\",\"y\":\"" + y + "\",\"proof\":\"" + proof + "\",\"t\":100}",
                "{\"x\":\"" + x + "\",\"y\":\"" + y + "\",\"proof\":\"" + proof + "\",\"t\":101}",
                "{\"x\":\"" + x + "\",\"y\":\"" + y + "\",\"proof\":\"" + proof + "\"}");
        Path shaIn = file("{\"msg\":\"00\"}", "{\"msg\":\"" + "ab".repeat(100) + "\"}");
        Path merkleIn = tmp.resolve("m.jsonl");
        Files.writeString(merkleIn, "{\"leaves\":[]}\n{\"leaves\":[\"\",\"4a9a23c238bdb6\",\"4cc6c183f7e827991dca41930115\"]}\n{\"leaves\":[\"0g\"]}\n");
        for (String[] c : new String[][]{{"vdf-verify", verifyIn.toString()}, {"sha256", shaIn.toString()}, {"merkle", merkleIn.toString()}}) {
            InProcessCli.Result cpu = InProcessCli.run("accel", c[0], "--backend", "cpu", "--in", c[1], "--home", HOME);
            InProcessCli.Result dev = InProcessCli.run("accel", c[0], "--backend", "opencl", "--in", c[1], "--home", HOME);
            assertThat(dev.out()).as(c[0] + " " + dev.err()).isEqualTo(cpu.out());
        }
        List<JsonNode> v = lines(InProcessCli.run("accel", "vdf-verify", "--backend", "opencl", "--in", verifyIn.toString(), "--home", HOME).out());
        assertThat(v.get(0).has("valid")).as(v.get(0).toString()).isTrue();
        assertThat(v.get(0).get("valid").asBoolean()).isTrue();
        assertThat(v.get(1).get("valid").asBoolean()).isFalse();
        assertThat(v.get(2).at("/error/message").asText()).isEqualTo("t: missing or not an integer");
        List<JsonNode> m = lines(InProcessCli.run("accel", "merkle", "--backend", "opencl", "--in", merkleIn.toString(), "--home", HOME).out());
        assertThat(m.get(1).get("root").asText()).isEqualTo("f17678938ad401512531d6f04efcf4bc8f2949760b989f942a9153549cb3c9a9");
        assertThat(m.get(2).at("/error/message").asText()).isEqualTo("leaves[0]: not hex");
        assertThat(Files.list(Path.of(HOME, "cache", "opencl"))).as("programs cached under the node home").isNotEmpty();
    }

    @Test
    void unknownOpAndBadBackendAreUsageErrors() throws Exception {
        InProcessCli.Result r = InProcessCli.run("accel", "sha512", "--in", file("{}").toString(), "--home", HOME);
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("unknown op 'sha512'").contains("sha256, merkle, vdf-eval, vdf-verify");
        InProcessCli.Result b = InProcessCli.run("accel", "sha256", "--backend", "gpu", "--home", HOME);
        assertThat(b.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(b.err()).contains("--backend");
    }

    @Test
    void theNodesAccelDeviceSettingIsHonouredAndAMismatchNamesTheKeyAndTheDevicesFound() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.yaml"), "accel:\n  device: opencl:no-such-device-h9000\n");
        InProcessCli.Result r = InProcessCli.run("accel", "sha256", "--backend", "opencl", "--in", file("{\"msg\":\"00\"}").toString(),
                "--home", home.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).contains("config key `accel.device`").contains("opencl:no-such-device-h9000");
        if (OpenClRuntime.isAvailable()) {
            assertThat(r.err()).contains("found: opencl:0 " + OpenClRuntime.devices().get(0).name());
        }
        // The CPU backend does not need the device, so the same home still answers.
        InProcessCli.Result cpu = InProcessCli.run("accel", "sha256", "--backend", "cpu", "--in", file("{\"msg\":\"00\"}").toString(),
                "--home", home.toString());
        assertThat(cpu.code()).isZero();
        assertThat(lines(cpu.out()).get(0).get("digest").asText()).isEqualTo("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    }

    @Test
    void aMissingInputFileIsAFailureNamingTheFile() {
        InProcessCli.Result r = InProcessCli.run("accel", "sha256", "--backend", "cpu", "--in", tmp.resolve("nope.jsonl").toString(), "--home", HOME);
        assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).contains("nope.jsonl");
    }
}
