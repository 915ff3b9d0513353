package io.backplane.provisioning;

import static io.backplane.provisioning.InProcessCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.provisioning.InProcessCli.Result;
import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginVerifier;
import io.backplane.plugin.host.SandboxProbe;
import java.io.IOException;
import java.io.OutputStream;
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
class PluginsCommandIT {
    @TempDir
    static Path dir;
    private Path home;
    private Path samples;
    private KeyPair author;


    @BeforeAll
    void setUp() throws Exception {
        home = dir.resolve("home");
        author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new AuthorKeys(home.resolve("plugins/authors")).trust("alice-key", author.getPublic());
        samples = jar("samples", Path.of(io.backplane.plugin.samples.RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
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
        assertThat(refused.json().at("/error/code").asInt()).isEqualTo(ExitCodes.PLUGIN_ERROR);
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
                "--kind", "routing", "--input", in.toString(), "--json", "--set", "plugins.callDeadlineMs=700");
        assertThat(r.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(r.json().at("/error/message").asText()).startsWith("deadline_missed: spin did not answer routing within 700 ms");

        Path wrongKind = manifest("kary", samples, "io.backplane.plugin.samples.KaryTreeRouting", "routing");
        Result refused = run("plugins", "call", "--home", home.toString(), "--jar", spin.toString(), "--manifest", wrongKind.toString(),
                "--kind", "routing", "--input", in.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(refused.json().at("/error/message").asText()).startsWith("refused: ").contains("jar: SHA-256 is");
    }

    @Test
    void pluginsConfigKeysReachTheHostAndABadValueNamesItsKey() throws Exception {
        Path m = manifest("round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection", "leader-election");
        Path in = file("leader-flags.json", """
                {"epoch": 1, "firstRound": 1, "windowLength": 3, "validators": [{"id": "a", "stake": 1}, {"id": "b", "stake": 5}],
                 "seed": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "history": []}
                """);
        String[] call = {"plugins", "call", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--kind", "leader-election", "--input", in.toString(), "--json"};
        Result bad = run(concat(call, new String[] {"--set", "plugins.callDeadlineMs=0"}));
        assertThat(bad.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(bad.err()).contains("config key `plugins.callDeadlineMs`: must be 1 to 600000, got 0");
        Result badFlag = run("plugins", "list", "--home", home.toString(), "--set", "plugins.enabled=round robin");
        assertThat(badFlag.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(badFlag.err()).contains("config key `plugins.enabled`");
        Result badLimit = run("plugins", "verify", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString(),
                "--set", "plugins.addressSpaceMb=100");
        assertThat(badLimit.err()).contains("config key `plugins.addressSpaceMb`");

        // Feature flags: round-robin only in a test partition that excludes this node (node0): refused, exit 4.
        Result off = run(concat(call, new String[] {"--set", "plugins.enabled=round-robin@node1+node2"}));
        assertThat(off.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(off.json().at("/error/message").asText()).contains("plugin round-robin is not enabled on node node0");
        assertThat(EnclaveSettingsOf.of("plugins.heapMb=128", "plugins.addressSpaceMb=4096", "plugins.cpuSeconds=30",
                "plugins.dualExecutionEvery=5", "plugins.allowWeakSandbox=true"))
                .isEqualTo(io.backplane.plugin.host.EnclaveSettings.defaults().withLimits(128, 4096, 30).withDualExecutionEvery(5).withAllowWeakSandbox(true));
    }

    /** The settings {@code plugins} commands build from the config with these overrides. */
    private static final class EnclaveSettingsOf {
        static io.backplane.plugin.host.EnclaveSettings of(String... sets) {
            return io.backplane.node.assembly.NodeAssembly.enclaveSettings(io.backplane.config.ConfigLoader.backplane().load(null, java.util.Map.of(), List.of(sets)));
        }
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
        assertThat(none.json().at("/error/code").asInt()).isEqualTo(ExitCodes.FAILURE);
        assertThat(none.json().at("/error/message").asText()).contains("no trust anchor").contains("--trusted-key");
        assertThat(none.err()).contains("no trust anchor").contains("--trusted-key");

        // This node's own key (created by its first attest) is the anchor: the forger's self-signed report fails.
        run("plugins", "attest", "--home", home.toString(), "--jar", samples.toString(), "--manifest", m.toString());
        Result refused = run("plugins", "attest", "--home", home.toString(), "--verify", forged.toString(), "--manifest", m.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(refused.json().get("problems").toString()).contains("is not the trusted node key");
        assertThat(refused.json().at("/error/code").asInt()).isEqualTo(ExitCodes.FAILURE);
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

        // Operator identities: carol uploads, dave approves; "carol2" is carol's key under another name.
        for (String who : List.of("carol", "dave")) {
            assertThat(run("plugins", "keygen", "--key-id", who, "--out", keys.toString()).code()).isZero();
            assertThat(run("plugins", "trust", "--home", h.toString(), "--role", "operator", "--key-id", who,
                    "--public-key", keys.resolve(who + ".pub").toString()).code()).isZero();
        }
        assertThat(run("plugins", "trust", "--home", h.toString(), "--role", "operator", "--key-id", "carol2",
                "--public-key", keys.resolve("carol.pub").toString()).code()).isZero();
        assertThat(run("plugins", "trust", "--home", h.toString(), "--role", "root", "--key-id", "x",
                "--public-key", keys.resolve("carol.pub").toString()).code()).isEqualTo(ExitCodes.USAGE);
        String carolKey = keys.resolve("carol.key").toString();
        String daveKey = keys.resolve("dave.key").toString();

        String[] home = {"--home", h.toString(), "--json"};
        Result up = run(concat(new String[] {"plugins", "upload", "--jar", samples.toString(), "--manifest", m.toString(), "--as", "carol", "--key", carolKey}, home));
        assertThat(up.code()).as(up.err()).isZero();
        assertThat(up.json().get("state").asText()).isEqualTo("STAGED");
        Result self = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "carol", "--key", carolKey}, home));
        assertThat(self.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(self.json().at("/error/message").asText()).isEqualTo("the uploader carol cannot approve their own plugin");
        Result alias = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "carol2", "--key", carolKey}, home));
        assertThat(alias.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(alias.json().at("/error/message").asText()).startsWith("the approval is signed with the uploader's key");
        Result forged = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "dave", "--key", carolKey}, home));
        assertThat(forged.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(forged.json().at("/error/message").asText()).contains("the signature of dave does not verify");
        Result stranger = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "erin", "--key", daveKey}, home));
        assertThat(stranger.json().at("/error/message").asText()).contains("erin is not a trusted operator of this node");
        Result unsigned = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "dave"}, home));
        assertThat(unsigned.code()).isEqualTo(ExitCodes.USAGE);
        Result badKey = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "dave", "--key", keys.resolve("dave.pub").toString()}, home));
        assertThat(badKey.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(badKey.err()).contains("is not an Ed25519 private key");

        Result approved = run(concat(new String[] {"plugins", "approve", "kary-tree", "1.0.0", "--as", "dave", "--key", daveKey}, home));
        assertThat(approved.code()).as(approved.err() + approved.out()).isZero();
        assertThat(approved.json().get("approverKey").asText()).hasSize(16).isNotEqualTo(approved.json().get("uploaderKey").asText());
        assertThat(run(concat(new String[] {"plugins", "activate", "kary-tree", "1.0.0", "--epoch", "5", "--current-epoch", "4", "--as", "dave"}, home)).code()).isZero();
        assertThat(run(concat(new String[] {"plugins", "epoch", "5", "--as", "consensus"}, home)).json().get(0).get("state").asText()).isEqualTo("ACTIVE");
        Result rollback = run(concat(new String[] {"plugins", "rollback", "kary-tree", "--as", "dave"}, home));
        assertThat(rollback.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);

        Result list = run("plugins", "list", "--home", h.toString(), "--json");
        assertThat(list.json().get("plugins").get(0).get("state").asText()).isEqualTo("ACTIVE");
        Path log = h.resolve("plugins/audit.jsonl");
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(9); // the unreadable key never reached the store
        assertThat(JsonOutput.MAPPER.readTree(lines.get(5)).get("keyId").asText()).isEqualTo(approved.json().get("approverKey").asText());

        // audit-verify: intact, then a deleted tail, then a reordering, each exit 1 naming the damage.
        Result intact = run("plugins", "audit-verify", "--home", h.toString(), "--json");
        assertThat(intact.code()).as(intact.err()).isZero();
        assertThat(intact.json().get("intact").asBoolean()).isTrue();
        assertThat(intact.json().get("entries").asLong()).isEqualTo(9);
        assertThat(intact.json().get("headSeq").asLong()).isEqualTo(9);
        Files.write(log, lines.subList(0, 7));
        Result tail = run("plugins", "audit-verify", "--home", h.toString(), "--json");
        assertThat(tail.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(tail.json().get("problems").toString()).contains("entries 8..9 were deleted");
        List<String> swapped = new java.util.ArrayList<>(lines);
        java.util.Collections.swap(swapped, 3, 4);
        Files.write(log, swapped);
        Result reordered = run("plugins", "audit-verify", "--home", h.toString());
        assertThat(reordered.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(reordered.out()).startsWith("DAMAGED").contains("line 4: does not follow line 3");
        Files.write(log, lines);
        Files.write(log, String.join("\n", lines).replace("\"dave\"", "\"mallory\"").concat("\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Result edited = run("plugins", "audit-verify", "--home", h.toString(), "--json");
        assertThat(edited.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(edited.json().get("problems").toString()).contains("content does not match its hash");
        Result none = run("plugins", "audit-verify", "--home", dir.resolve("no-such-home").toString());
        assertThat(none.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(none.err()).contains("no plugin audit log at");
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
