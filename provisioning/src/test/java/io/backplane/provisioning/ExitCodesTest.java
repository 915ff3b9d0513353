package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One set of exit codes and one JSON rule, per command family: with {@code --json} stdout holds exactly one JSON
 * document, on success and on failure ({@code {"error":{"code":N,"message":...}}}, N the exit code); without it a
 * failure leaves stdout empty and says why on stderr. (Exit 3, a guard refusal, is checked in KeysCommandIT on its
 * one SoftHSM home; exit 130 in InterruptIT.)
 */
class ExitCodesTest {
    @TempDir
    Path dir;

    /** Runs with --json, checks the one-document rule and the error's code, and returns the document. */
    private static JsonNode json(int expected, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(args));
        line.add("--json");
        InProcessCli.Result r = InProcessCli.run(line.toArray(String[]::new));
        assertThat(r.code()).as("%s: %s%s", line, r.out(), r.err()).isEqualTo(expected);
        JsonNode doc;
        try (JsonParser p = JsonOutput.MAPPER.createParser(r.out())) {
            doc = JsonOutput.MAPPER.readTree(p);
            assertThat(p.nextToken()).as("%s: one document and nothing else on stdout: %s", line, r.out()).isNull();
        }
        assertThat(doc).as("%s: stdout is JSON", line).isNotNull();
        if (expected != ExitCodes.OK) {
            assertThat(doc.at("/error/code").asInt()).as("%s: %s", line, r.out()).isEqualTo(expected);
            assertThat(doc.at("/error/message").asText()).as(r.out()).isNotBlank();
            // Without --json: the same failure, stdout empty, the reason on stderr.
            InProcessCli.Result plain = InProcessCli.run(args);
            assertThat(plain.code()).isEqualTo(expected);
            assertThat(plain.out()).as("%s without --json: errors go to stderr only", List.of(args)).isEmpty();
            assertThat(plain.err()).isNotBlank();
        }
        return doc;
    }

    @Test
    void versionAndDoctor() throws Exception {
        assertThat(json(ExitCodes.OK, "version").get("version").asText()).isNotBlank();
        json(ExitCodes.USAGE, "version", "--bogus");
        json(ExitCodes.USAGE, "doctor", "extra-argument");
    }

    @Test
    void configurationErrors() throws Exception {
        String home = dir.resolve("h").toString();
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"msg\":\"00\"}\n");
        // --set without '=' is bad usage (2); a key that does not exist is a bad configuration (1).
        assertThat(json(ExitCodes.USAGE, "accel", "sha256", "--in", in.toString(), "--home", home, "--set", "accel.device")
                .at("/error/message").asText()).contains("--set expects KEY=VALUE");
        assertThat(json(ExitCodes.FAILURE, "accel", "sha256", "--in", in.toString(), "--home", home, "--set", "accel.devise=cpu")
                .at("/error/message").asText()).contains("accel.devise");
        Files.createDirectories(dir.resolve("h2/config.yaml"));
        assertThat(json(ExitCodes.FAILURE, "accel", "sha256", "--in", in.toString(), "--home", dir.resolve("h2").toString())
                .at("/error/message").asText()).contains("is a directory");
        assertThat(json(ExitCodes.USAGE, "accel", "sha256", "--in", in.toString(), "--home", "")
                .at("/error/message").asText()).contains("--home is empty");
    }

    @Test
    void accel() throws Exception {
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"msg\":\"00\"}\n");
        String home = dir.resolve("h").toString();
        InProcessCli.Result ok = InProcessCli.run("accel", "sha256", "--backend", "cpu", "--in", in.toString(), "--home", home, "--json");
        assertThat(ok.code()).isZero();
        assertThat(JsonOutput.MAPPER.readTree(ok.out()).get("digest").asText()).hasSize(64);
        json(ExitCodes.FAILURE, "accel", "sha256", "--in", dir.resolve("nope").toString(), "--home", home);
        json(ExitCodes.USAGE, "accel", "nope-op", "--in", in.toString(), "--home", home);
        json(ExitCodes.USAGE, "accel", "sha256", "--backend", "gpu", "--home", home);
    }

    @Test
    void keysWithoutATokenNameTheFirstStepAndNeverCreateTheHome() throws Exception {
        Path missing = dir.resolve("mistyped-home");
        for (String sub : List.of("list", "audit-verify", "guard-export")) {
            assertThat(json(ExitCodes.FAILURE, "keys", sub, "--home", missing.toString()).at("/error/message").asText())
                    .contains("keys init-token");
        }
        json(ExitCodes.USAGE, "keys", "sign", "--home", missing.toString());
        json(ExitCodes.USAGE, "keys", "frobnicate");
        assertThat(missing).doesNotExist();
    }

    @Test
    void plugins() throws Exception {
        Path home = dir.resolve("ph");
        Path keys = dir.resolve("keys");
        assertThat(json(ExitCodes.OK, "plugins", "keygen", "--key-id", "me", "--out", keys.toString()).get("keyId").asText()).isEqualTo("me");
        assertThat(json(ExitCodes.OK, "plugins", "trust", "--home", home.toString(), "--key-id", "me", "--public-key",
                keys.resolve("me.pub").toString()).get("role").asText()).isEqualTo("author");
        json(ExitCodes.USAGE, "plugins", "trust", "--home", home.toString(), "--key-id", "me", "--public-key",
                keys.resolve("me.pub").toString(), "--role", "boss");
        json(ExitCodes.FAILURE, "plugins", "audit-verify", "--home", home.toString());
        // A plugin whose manifest or jar is missing is refused alike: exit 4.
        Path jar = dir.resolve("p.jar");
        Files.write(jar, new byte[] {'P', 'K', 3, 4, 0});
        Path manifest = dir.resolve("p.manifest.json");
        json(ExitCodes.PLUGIN_ERROR, "plugins", "verify", "--home", home.toString(), "--jar", jar.toString(), "--manifest", manifest.toString());
        // A truncated jar is refused before a manifest is signed for it.
        json(ExitCodes.PLUGIN_ERROR, "plugins", "manifest", "--jar", jar.toString(), "--id", "x", "--plugin-version", "1.0.0",
                "--kind", "leader-election", "--entry-class", "a.B", "--key", keys.resolve("me.key").toString(), "--key-id", "me",
                "--out", manifest.toString());
        assertThat(manifest).doesNotExist();
        json(ExitCodes.USAGE, "plugins", "manifest", "--jar", jar.toString());
        // An input that is not the kind's shape is the operator's error (1), found before any plugin starts.
        Path input = Files.writeString(dir.resolve("in.json"), "{\"epoch\": 1}");
        assertThat(json(ExitCodes.FAILURE, "plugins", "call", "--home", home.toString(), "--jar", jar.toString(), "--manifest",
                manifest.toString(), "--kind", "leader-election", "--input", input.toString()).at("/error/message").asText())
                .contains("is not a valid leader-election input");
    }

    @Test
    void sim() throws Exception {
        assertThat(json(ExitCodes.OK, "sim", "--nodes", "4", "--seeds", "1", "--rounds", "20").get("runs")).hasSize(1);
        json(ExitCodes.USAGE, "sim", "--seeds", "0");
        json(ExitCodes.PLUGIN_ERROR, "sim", "--seeds", "1", "--home", dir.resolve("sh").toString(),
                "--leader-election", dir.resolve("none.jar").toString());
    }

    @Test
    void aBackplaneVariableThatNamesNoKeyOrABadLogLevelStopsEveryCommandButHelp() throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = Main.run(new String[] {"version", "--json"}, new java.io.PrintWriter(out), new java.io.PrintWriter(err),
                Map.of("BACKPLANE_ACCEL_DEVISE", "cpu"));
        assertThat(code).isEqualTo(ExitCodes.FAILURE);
        assertThat(JsonOutput.MAPPER.readTree(out.toString()).at("/error/message").asText()).contains("did you mean BACKPLANE_ACCEL_DEVICE?");
        java.io.StringWriter out2 = new java.io.StringWriter();
        java.io.StringWriter err2 = new java.io.StringWriter();
        assertThat(Main.run(new String[] {"version"}, new java.io.PrintWriter(out2), new java.io.PrintWriter(err2),
                Map.of("BACKPLANE_LOG_LEVEL", "LOUD"))).isEqualTo(ExitCodes.FAILURE);
        assertThat(out2.toString()).isEmpty();
        assertThat(err2.toString()).contains("BACKPLANE_LOG_LEVEL: 'LOUD' is not a level");
        assertThat(Main.run(new String[] {"version", "--help"}, new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(new java.io.StringWriter()), Map.of("BACKPLANE_ACCEL_DEVISE", "cpu"))).isZero();
        assertThat(Main.run(new String[] {"version"}, new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(new java.io.StringWriter()), Map.of("BACKPLANE_HOME", "/x", "BACKPLANE_ACCEL_DEVICE", "cpu"))).isZero();
    }
}
