package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginVerifier;
import io.backplane.plugin.host.SandboxProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code backplane plugins ...} through {@link Main#run}, with real jars, a real node home and real enclaves. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginsCommandTest {
    @TempDir
    static Path dir;
    private Path home;
    private Path samples;
    private KeyPair author;

    record Result(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JsonOutput.MAPPER.readTree(out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    void setUp() throws Exception {
        home = dir.resolve("home");
        author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new AuthorKeys(home.resolve("plugins/authors")).trust("alice-key", author.getPublic());
        samples = jar("samples", Path.of(io.backplane.plugin.samples.RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }

    /** The reference plugins as a jar (the build tree's classes packed when they are a directory). */
    static Path samplesJar(Path dir) throws Exception {
        Path classes = Path.of(io.backplane.plugin.samples.RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(classes)) {
            return classes;
        }
        Path jar = dir.resolve("samples.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os); Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(p).toString()));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return jar;
    }

    private Path jar(String name, Path classes) throws IOException {
        if (Files.isRegularFile(classes)) {
            return classes;
        }
        Path jar = dir.resolve(name + ".jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os); Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(p).toString()));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return jar;
    }

    private Path manifest(String name, Path jar, String entry, String kind) throws IOException {
        PluginManifest m = new PluginManifest(1, name, "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)", List.of(kind), entry,
                PluginVerifier.sha256Hex(jar), "alice-key", "");
        return Files.write(dir.resolve(name + ".manifest.json"), ManifestCodec.toJson(ManifestCodec.sign(m, author.getPrivate())));
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static void needSandbox() {
        SandboxProbe.Availability a = SandboxProbe.probe();
        Assumptions.assumeTrue(a.available(), () -> "bubblewrap cannot create namespaces here: " + a.cause());
    }

    @Test
    void verifyAcceptsASignedReferencePluginAndRefusesATamperedOne() throws Exception {
        Path m = manifest("round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection", "leader-election");
        Result ok = run("plugins", "verify", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(), "--json");
        assertThat(ok.code()).isZero();
        assertThat(ok.json().get("accepted").asBoolean()).isTrue();

        Path bad = file("bad.manifest.json", Files.readString(m).replace("round-robin", "round-robbin"));
        Result refused = run("plugins", "verify", "--home", home.toString(), "--jar", samples.toString(), "--manifest", bad.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(refused.json().get("problems").toString()).contains("signature: does not verify");
    }

    @Test
    void callRunsTheReferencePluginsInAFreshEnclave() throws Exception {
        needSandbox();
        Path m = manifest("round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection", "leader-election");
        Path in = file("leader.json", """
                {"epoch": 1, "firstRound": 1, "windowLength": 3, "validators": [{"id": "a", "stake": 1}, {"id": "b", "stake": 5}],
                 "seed": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "history": []}
                """);
        Result r = run("plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--kind", "leader-election", "--input", in.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("leaders").toString()).isEqualTo("[\"b\",\"a\",\"b\"]");

        Path vm = manifest("nonce-validator", samples, "io.backplane.plugin.samples.PayloadNonceValidator", "block-validator");
        Path block = file("block.json", """
                {"proposal": {"height": 3, "proposer": "a", "transactions": [{"sender": "x", "nonce": 2, "body": "AAE="}]},
                 "ledger": {"lastNonces": {"x": 0}}}
                """);
        Result v = run("plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", vm.toString(),
                "--kind", "block-validator", "--input", block.toString(), "--json");
        assertThat(v.code()).as(v.err()).isZero();
        assertThat(v.json().get("accepted").asBoolean()).isFalse();
        assertThat(v.json().get("reason").asText()).isEqualTo("transaction 0 from x has nonce 2, expected 1");
    }

    @Test
    void callPrintsAnErrorAndExits4WhenThePluginTimesOutOrIsRefused() throws Exception {
        needSandbox();
        Path src = Files.createDirectories(dir.resolve("spin-src/hostile"));
        Files.writeString(src.resolve("Spin.java"), """
                package hostile;
                import io.backplane.plugin.api.*;
                public final class Spin implements RoutingStrategy {
                    public FanoutPlan plan(RoutingInput in) {
                        long x = 1;
                        while (x != 0) { x = x * 3 + 1; }
                        return null;
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("spin-classes"));
        String api = Path.of(io.backplane.plugin.api.PluginKind.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp", api,
                src.resolve("Spin.java").toString())).isZero();
        Path spin = jar("spin", classes);
        Path m = manifest("spin", spin, "hostile.Spin", "routing");
        Path in = file("routing.json", """
                {"nodes": [{"id": "n0", "region": ""}, {"id": "n1", "region": ""}], "latencies": [], "origin": "n0", "messageClass": "VOTE"}
                """);
        Result r = run("plugins", "call", "--home", home.toString(), "--jar", spin.toString(), "--manifest", m.toString(),
                "--kind", "routing", "--input", in.toString(), "--json", "--deadline-ms", "700");
        assertThat(r.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(r.json().get("error").asText()).startsWith("deadline_missed: spin did not answer routing within 700 ms");

        Path wrongKind = manifest("kary", samples, "io.backplane.plugin.samples.KaryTreeRouting", "routing");
        Result refused = run("plugins", "call", "--home", home.toString(), "--jar", spin.toString(), "--manifest", wrongKind.toString(),
                "--kind", "routing", "--input", in.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(refused.json().get("error").asText()).startsWith("refused: ").contains("jar: SHA-256 is");
    }

    @Test
    void badInputIsAClearFailureNotAPluginError() throws Exception {
        Path m = manifest("round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection", "leader-election");
        Path in = file("broken.json", "{\"epoch\": 1, \"windowLength\": 0}");
        Result r = run("plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--kind", "leader-election", "--input", in.toString(), "--json");
        assertThat(r.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r.err()).contains("is not a valid leader-election input").contains("Missing creator property 'firstRound'");
        Path extra = file("extra.json", "{\"nodes\": [{\"id\": \"n0\", \"region\": \"\"}], \"latencies\": [], \"origin\": \"n0\", "
                + "\"messageClass\": \"VOTE\", \"surprise\": 1}");
        Result r2 = run("plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--kind", "routing", "--input", extra.toString(), "--json");
        assertThat(r2.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(r2.err()).contains("is not a valid routing input").contains("\"surprise\"");
        Result usage = run("plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--kind", "teleport", "--input", in.toString());
        assertThat(usage.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(usage.err()).contains("unknown plugin kind 'teleport'");
    }

    @Test
    void listShowsCapabilities() throws Exception {
        Result r = run("plugins", "list", "--home", home.toString(), "--json");
        assertThat(r.code()).isZero();
        JsonNode c = r.json().get("capabilities");
        assertThat(c.get("apiVersions").toString()).isEqualTo("[\"1.0\"]");
        assertThat(c.get("kinds").toString()).contains("leader-election", "block-validator", "routing");
        assertThat(c.get("sandbox").asText()).isIn("bubblewrap", "unavailable");
        assertThat(r.json().get("plugins").isArray()).isTrue();
    }

    @Test
    void attestIssuesAReportThatVerifiesAndATamperedOneThatDoesNot() throws Exception {
        Path m = manifest("kary-tree", samples, "io.backplane.plugin.samples.KaryTreeRouting", "routing");
        Path report = dir.resolve("report.json");
        Result r = run("plugins", "attest", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--out", report.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.json().get("tee").asText()).isEqualTo("software");
        assertThat(r.json().get("signerKind").asText()).isEqualTo("software-file");
        Result ok = run("plugins", "attest", "--home", home.toString(), "--verify", report.toString(), "--manifest", m.toString(), "--json");
        assertThat(ok.code()).as(ok.out()).isZero();
        assertThat(ok.json().get("valid").asBoolean()).isTrue();

        Path other = manifest("round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection", "leader-election");
        Result wrong = run("plugins", "attest", "--home", home.toString(), "--verify", report.toString(), "--manifest", other.toString(), "--json");
        assertThat(wrong.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(wrong.json().get("problems").toString()).contains("manifest: the enclave was given another manifest");
    }

    @Test
    void verifyingWithoutATrustAnchorFailsClosedAndAForgedSelfSignedReportIsRefused() throws Exception {
        Path m = manifest("kary-tree", samples, "io.backplane.plugin.samples.KaryTreeRouting", "routing");
        Path forgerHome = dir.resolve("forger");
        new AuthorKeys(forgerHome.resolve("plugins/authors")).trust("alice-key", author.getPublic());
        Path forged = dir.resolve("forged-report.json");
        assertThat(run("plugins", "attest", "--home", forgerHome.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--out", forged.toString()).code()).isZero();

        // A home with no identity certificate, no attestation key and no --trusted-key: nothing to trust, exit 1.
        Path bare = dir.resolve("bare-home");
        Result none = run("plugins", "attest", "--home", bare.toString(), "--verify", forged.toString(), "--manifest", m.toString(), "--json");
        assertThat(none.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(none.out()).isEmpty();
        assertThat(none.err()).contains("no trust anchor").contains("--trusted-key");

        // This node's own key (created by its first attest) is the anchor: the forger's self-signed report fails.
        run("plugins", "attest", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString());
        Result refused = run("plugins", "attest", "--home", home.toString(), "--verify", forged.toString(), "--manifest", m.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(refused.json().get("problems").toString()).contains("is not the trusted node key");
        // Given the forger's key explicitly, it holds: the anchor, not the report, decides whom to trust.
        Result trusted = run("plugins", "attest", "--home", bare.toString(), "--verify", forged.toString(), "--manifest", m.toString(),
                "--trusted-key", forgerHome.resolve("plugins/attestation-key.pub").toString(), "--json");
        assertThat(trusted.code()).as(trusted.out() + trusted.err()).isZero();
        Result missing = run("plugins", "attest", "--home", bare.toString(), "--verify", forged.toString(), "--manifest", m.toString(),
                "--trusted-key", dir.resolve("nope.pub").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(missing.err()).contains("nope.pub does not exist");
    }

    @Test
    void anOperatorCanSignTrustUploadApproveAndActivateFromTheCommandLine() throws Exception {
        Path h = dir.resolve("lifecycle-home");
        Path keys = dir.resolve("author-keys");
        assertThat(run("plugins", "keygen", "--key-id", "carol-key", "--out", keys.toString()).code()).isZero();
        assertThat(run("plugins", "trust", "--home", h.toString(), "--key-id", "carol-key", "--public-key", keys.resolve("carol-key.pub").toString()).code()).isZero();
        Path m = dir.resolve("kary.manifest.json");
        Result made = run("plugins", "manifest", "--jar", samples.toString(), "--id", "kary-tree", "--plugin-version", "1.0.0", "--kind", "routing",
                "--entry-class", "io.backplane.plugin.samples.KaryTreeRouting", "--key", keys.resolve("carol-key.key").toString(),
                "--key-id", "carol-key", "--out", m.toString());
        assertThat(made.code()).as(made.err()).isZero();
        assertThat(run("plugins", "verify", "--home", h.toString(), "--jar", samples.toString(), "--manifest", m.toString()).code()).isZero();

        String[] home = {"--home", h.toString(), "--json"};
        Result up = run(concat(new String[] {"plugins", "upload", "--jar", samples.toString(), "--manifest", m.toString(), "--as", "carol"}, home));
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.json().get("state").asText()).isEqualTo("STAGED");
        Result self = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "carol"}, home));
        assertThat(self.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(self.json().get("error").asText()).isEqualTo("the uploader carol cannot approve their own plugin");
        assertThat(run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "dave"}, home)).code()).isZero();
        assertThat(run(concat(new String[] {"plugins", "activate", "kary-tree", "1.0.0", "--epoch", "5", "--current-epoch", "4", "--as", "dave"}, home)).code()).isZero();
        assertThat(run(concat(new String[] {"plugins", "epoch", "5", "--as", "consensus"}, home)).json().get(0).get("state").asText()).isEqualTo("ACTIVE");
        Result rollback = run(concat(new String[] {"plugins", "rollback", "kary-tree", "--as", "dave"}, home));
        assertThat(rollback.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);

        Result list = run("plugins", "list", "--home", h.toString(), "--json");
        assertThat(list.json().get("plugins").get(0).get("state").asText()).isEqualTo("ACTIVE");
        assertThat(Files.readAllLines(h.resolve("plugins/audit.jsonl"))).hasSize(6);
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
