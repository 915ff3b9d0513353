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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code backplane sim --leader-election JAR}: the reference round-robin and stake-weighted plugins, signed, verified
 * and run in a real enclave, drive the simulated network; a refused or broken plugin is a clear error and exit 4.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimLeaderElectionIT {
    @TempDir
    static Path dir;
    private Path home;
    private KeyPair author;
    private Path samples;

    @BeforeAll
    void setUp() throws Exception {
        home = dir.resolve("home");
        author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new AuthorKeys(home.resolve("plugins/authors")).trust("alice-key", author.getPublic());
        samples = dir.resolve("plugin-samples.jar");
        Files.copy(SamplePluginsJar.in(dir), samples);
    }

    private Path manifest(Path at, String id, Path jar, String entry) throws IOException {
        PluginManifest m = new PluginManifest(1, id, "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)", List.of("leader-election"), entry,
                PluginVerifier.sha256Hex(jar), "alice-key", "");
        return Files.write(at, ManifestCodec.toJson(ManifestCodec.sign(m, author.getPrivate())));
    }

    private static void needSandbox() {
        SandboxProbe.Availability a = SandboxProbe.probe();
        Assumptions.assumeTrue(a.available(), () -> "bubblewrap cannot create namespaces here: " + a.cause());
    }

    @Test
    void theRoundRobinPluginFoundByTheDefaultManifestNameDrivesTheRuns() throws Exception {
        needSandbox();
        manifest(dir.resolve("plugin-samples.manifest.json"), "round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection");
        InProcessCli.Result r = InProcessCli.run("sim", "--home", home.toString(), "--nodes", "4", "--byzantine", "1", "--seeds", "2", "--rounds", "30",
                "--leader-election", samples.toString(), "--json");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.OK);
        JsonNode doc = JsonOutput.MAPPER.readTree(r.out());
        assertThat(doc.get("safetyViolations").asLong()).isZero();
        assertThat(doc.get("runs")).hasSize(2);
        for (JsonNode run : doc.get("runs")) {
            assertThat(run.get("committedBlocks").asLong()).isPositive();
            assertThat(run.get("replay").asText()).contains("--epoch-length 10").contains("--home " + home)
                    .contains("--leader-election " + samples).contains("--leader-election-manifest " + dir.resolve("plugin-samples.manifest.json"));
        }
        // The replay line reproduces the run through the plugin.
        JsonNode second = doc.get("runs").get(1);
        JsonNode again = JsonOutput.MAPPER.readTree(InProcessCli.run(second.get("replay").asText().replace("./backplane ", "").split(" ")).out());
        assertThat(again.get("runs").get(0)).isEqualTo(second);
    }

    @Test
    void theStakeWeightedPluginWithAnExplicitManifest() throws Exception {
        needSandbox();
        Path m = manifest(dir.resolve("stake.json"), "stake-weighted", samples, "io.backplane.plugin.samples.StakeWeightedLeaderElection");
        InProcessCli.Result r = InProcessCli.run("sim", "--home", home.toString(), "--nodes", "7", "--byzantine", "2", "--seeds", "2", "--rounds", "30",
                "--epoch-length", "5", "--leader-election", samples.toString(), "--leader-election-manifest", m.toString());
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("sim: 2 run(s), 0 failed, 0 safety violation(s)").contains("epoch length 5, leader election from " + samples);
    }

    @Test
    void aRefusedOrBrokenPluginIsAClearErrorAndExit4() throws Exception {
        Path m = manifest(dir.resolve("rr.json"), "round-robin", samples, "io.backplane.plugin.samples.RoundRobinLeaderElection");
        // Not a jar at all, against a manifest whose digest it does not match.
        Path broken = Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3});
        InProcessCli.Result r = InProcessCli.run("sim", "--home", home.toString(), "--seeds", "1", "--leader-election", broken.toString(),
                "--leader-election-manifest", m.toString(), "--json");
        assertThat(r.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(r.err()).contains("leader-election plugin " + broken + " refused").contains("SHA-256 is");
        assertThat(JsonOutput.MAPPER.readTree(r.out()).at("/error/message").asText()).contains("refused");
        // A jar without a manifest beside it.
        InProcessCli.Result missing = InProcessCli.run("sim", "--home", home.toString(), "--seeds", "1", "--leader-election", dir.resolve("nowhere.jar").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(missing.err()).contains("cannot read the leader-election manifest " + dir.resolve("nowhere.manifest.json") + " (no such file)")
                .contains("--leader-election-manifest");
        // An author this home does not trust.
        InProcessCli.Result untrusted = InProcessCli.run("sim", "--home", dir.resolve("other-home").toString(), "--seeds", "1",
                "--leader-election", samples.toString(), "--leader-election-manifest", m.toString());
        assertThat(untrusted.code()).isEqualTo(ExitCodes.PLUGIN_ERROR);
        assertThat(untrusted.err()).contains("refused");
        // Schedules need epochs.
        InProcessCli.Result usage = InProcessCli.run("sim", "--epoch-length", "0", "--leader-election", samples.toString());
        assertThat(usage.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(usage.err()).contains("--epoch-length must be at least 1");
    }
}
