package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.LeaderElection;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.PluginKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restart with backoff, quarantine, release, answer checks, feature flags and the refusal when bubblewrap is missing. */
class SupervisionIT {
    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private static String detail(PluginOutcome<?> o) {
        return o instanceof PluginOutcome.Undecided<?> u ? u.reason() + " " + u.detail() : "decided " + o;
    }

    @Test
    void aCrashingEnclaveRestartsAfterBackoffAndIsQuarantinedOnTheThirdFailureInARow() throws Exception {
        SandboxProbe.Availability sandbox = SandboxProbe.probe();
        Assumptions.assumeTrue(sandbox.available(), () -> "bubblewrap cannot create namespaces here: " + sandbox.cause());
        TestJars jars = new TestJars(dir);
        Path jar = jars.compileEach("flaky", HostileSources.flaky()).get("hostile.Flaky");
        PluginMetrics metrics = PluginMetrics.standalone();
        EnclaveSettings s = EnclaveSettings.defaults().withCallDeadline(Duration.ofSeconds(10));
        try (EnclaveHost host = new EnclaveHost(s, sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", nanos::get);
             PluginClient c = host.load(jars.manifest("flaky", jar, "hostile.Flaky", PluginKind.LEADER_ELECTION), jar)) {
            var good = Inputs.leader(0, 2, Inputs.validators(2), Inputs.seed(1), List.of());
            var deadly = Inputs.leader(0, 13, Inputs.validators(2), Inputs.seed(1), List.of());
            assertThat(c.leaderSchedule(good).orThrow().leaders()).containsExactly("v0", "v1");

            assertThat(detail(c.leaderSchedule(deadly))).startsWith("CRASHED");
            assertThat(detail(c.leaderSchedule(good))).startsWith("BACKING_OFF");
            nanos.addAndGet(Duration.ofMillis(499).toNanos());
            assertThat(detail(c.leaderSchedule(good))).startsWith("BACKING_OFF");
            nanos.addAndGet(Duration.ofMillis(1).toNanos());
            assertThat(c.leaderSchedule(good).orThrow().leaders()).as("a fresh enclave after 500 ms").containsExactly("v0", "v1");
            assertThat(metrics.starts("flaky")).isEqualTo(2);

            // A success resets the count; now three deaths in a row, with backoffs of 0.5 s and 1 s between them.
            assertThat(detail(c.leaderSchedule(deadly))).startsWith("CRASHED");
            nanos.addAndGet(Duration.ofMillis(500).toNanos());
            assertThat(detail(c.leaderSchedule(deadly))).startsWith("CRASHED");
            nanos.addAndGet(Duration.ofMillis(999).toNanos());
            assertThat(detail(c.leaderSchedule(good))).as("second backoff is doubled").startsWith("BACKING_OFF");
            nanos.addAndGet(Duration.ofMillis(1).toNanos());
            assertThat(detail(c.leaderSchedule(deadly))).startsWith("CRASHED");
            assertThat(c.supervisor().quarantined()).isTrue();
            nanos.addAndGet(Duration.ofHours(1).toNanos());
            assertThat(detail(c.leaderSchedule(good))).startsWith("QUARANTINED").contains("after 3 failures");
            assertThat(metrics.quarantines("flaky")).isEqualTo(1);
            assertThat(metrics.calls("flaky", "quarantined")).isEqualTo(1);
            assertThat(metrics.restarts("flaky", UndecidedReason.CRASHED)).isEqualTo(4);
            assertThat(host.health().plugins()).containsExactly(new Health.PluginHealth("flaky", true, 3));
            assertThat(host.health().healthy()).isFalse();

            c.supervisor().release();
            assertThat(c.leaderSchedule(good).orThrow().leaders()).containsExactly("v0", "v1");
            assertThat(metrics.starts("flaky")).isEqualTo(5);
            assertThat(host.health().healthy()).isTrue();
        }
    }

    private EnclaveHost host(SandboxProbe.Availability sandbox, EnclaveSettings s, TestJars jars, FeatureFlags flags) {
        return new EnclaveHost(s, sandbox, jars.authors, PluginMetrics.standalone(), flags, "n0", nanos::get);
    }

    @Test
    void refusesUntrustedPluginsWhenBubblewrapCannotCreateNamespacesUnlessTheWeakModeIsAllowed() throws Exception {
        TestJars jars = new TestJars(dir);
        Path jar = jars.samplesJar();
        String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
        byte[] manifest = jars.manifest("round-robin", jar, cls, PluginKind.LEADER_ELECTION);
        SandboxProbe.Availability missing = SandboxProbe.Availability.unavailable("injected: no user namespaces");

        try (EnclaveHost strict = host(missing, EnclaveSettings.defaults(), jars, FeatureFlags.allOn())) {
            assertThat(strict.capabilities().sandbox()).isEqualTo("unavailable");
            assertThat(strict.capabilities().cause()).isEqualTo("injected: no user namespaces");
            assertThat(strict.health().sandbox()).isEqualTo("unavailable");
            assertThat(strict.health().healthy()).isFalse();
            try {
                strict.load(manifest, jar).close();
                throw new AssertionError("loaded without a sandbox");
            } catch (PluginRefusedException e) {
                assertThat(e.reason()).isEqualTo(UndecidedReason.SANDBOX_UNAVAILABLE);
                assertThat(e.getMessage()).contains("injected: no user namespaces").contains("weak mode is not allowed");
            }
        }
        try (EnclaveHost weak = host(missing, EnclaveSettings.defaults().withAllowWeakSandbox(true), jars, FeatureFlags.allOn());
             PluginClient c = weak.load(manifest, jar)) {
            assertThat(weak.capabilities().sandbox()).isEqualTo("weak");
            assertThat(c.leaderSchedule(Inputs.leader(1, 2, Inputs.validators(3), Inputs.seed(1), List.of())).orThrow().leaders())
                    .containsExactly("v1", "v2");
            Enclave e = (Enclave) c.supervisor().endpoint();
            assertThat(e.command()).noneMatch(a -> a.endsWith("bwrap")).anyMatch(a -> a.startsWith("--as="));
        }
    }

    @Test
    void theRealProbeReportsBubblewrapOrItsCause() {
        SandboxProbe.Availability a = SandboxProbe.probe();
        assertThat(a.available() ? a.bwrapPath() : a.cause()).isNotBlank();
        // Independently of the probe: where bwrap can create namespaces, the probe must say it is available.
        boolean bwrapWorks;
        try {
            Process p = new ProcessBuilder("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true")
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            bwrapWorks = p.waitFor() == 0;
        } catch (java.io.IOException | InterruptedException e) {
            bwrapWorks = false;
        }
        assertThat(a.available()).as("probe cause: %s", a.cause()).isEqualTo(bwrapWorks);
        assertThat(SandboxProbe.probe(Path.of("/nonexistent/bwrap")).cause()).contains("not installed");
    }

    @Test
    void aBubblewrapThatLosesAWallIsNotASandboxAndThePluginIsRefused() throws Exception {
        SandboxProbe.Availability real = SandboxProbe.probe();
        Assumptions.assumeTrue(real.available(), () -> "bubblewrap cannot raise the walls here: " + real.cause());
        // A wrapper that quietly drops the seccomp program, as an old or patched bwrap might.
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path fake = java.nio.file.Files.writeString(dir.resolve("bwrap"), """
                #!/bin/bash
                args=(); skip=0
                for a in "$@"; do
                  if [ $skip = 1 ]; then skip=0; continue; fi
                  if [ "$a" = --seccomp ]; then skip=1; continue; fi
                  args+=("$a")
                done
                exec %s "${args[@]}"
                """.formatted(real.bwrapPath()));
        java.nio.file.Files.setPosixFilePermissions(fake, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        SandboxProbe.Availability weakened = SandboxProbe.probe(fake);
        assertThat(weakened.available()).as(weakened.toString()).isFalse();
        assertThat(weakened.cause()).startsWith("walls not in force: seccomp");
        assertThat(weakened.walls()).filteredOn(w -> !w.inForce()).extracting(SandboxProbe.Wall::name).containsExactly("seccomp");
        TestJars jars = new TestJars(dir);
        Path jar = jars.samplesJar();
        String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
        try (EnclaveHost h = host(weakened, EnclaveSettings.defaults(), jars, FeatureFlags.allOn())) {
            h.load(jars.manifest("rr", jar, cls, PluginKind.LEADER_ELECTION), jar);
            throw new AssertionError("a plugin started without seccomp");
        } catch (PluginRefusedException e) {
            assertThat(e.reason()).isEqualTo(UndecidedReason.SANDBOX_UNAVAILABLE);
            assertThat(e.getMessage()).contains("walls not in force: seccomp").contains("plugins.allowWeakSandbox");
        }
    }

    @Test
    void featureFlagsEnableAPluginOnATestPartitionOnly() throws Exception {
        TestJars jars = new TestJars(dir);
        Path jar = jars.samplesJar();
        String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
        byte[] manifest = jars.manifest("round-robin", jar, cls, PluginKind.LEADER_ELECTION);
        FeatureFlags flags = FeatureFlags.of(Map.of("round-robin", Set.of("n1", "n2")));
        assertThat(flags.enabled("round-robin", "n1")).isTrue();
        assertThat(flags.enabled("other", "n1")).isFalse();
        try (EnclaveHost h = host(SandboxProbe.probe(), EnclaveSettings.defaults().withAllowWeakSandbox(true), jars, flags)) {
            h.load(manifest, jar);
            throw new AssertionError("plugin ran outside its partition");
        } catch (PluginRefusedException e) {
            assertThat(e.reason()).isEqualTo(UndecidedReason.DISABLED);
            assertThat(e.getMessage()).isEqualTo("plugin round-robin is not enabled on node n0");
        }
    }

    @Test
    void anAnswerThatBreaksTheContractIsUndecidedNotUsed() throws Exception {
        TestJars jars = new TestJars(dir);
        LeaderElection liar = in -> new LeaderSchedule(List.of("mallory"));
        try (EnclaveHost h = host(SandboxProbe.probe(), EnclaveSettings.defaults(), jars, FeatureFlags.allOn())) {
            PluginClient c = h.inProcess("liar", liar, List.of(PluginKind.LEADER_ELECTION));
            assertThat(detail(c.leaderSchedule(Inputs.leader(0, 1, Inputs.validators(2), Inputs.seed(1), List.of()))))
                    .isEqualTo("INVALID_ANSWER liar: schedule names mallory, who is not a validator of epoch 7");
            assertThat(detail(c.leaderSchedule(Inputs.leader(0, 2, Inputs.validators(2), Inputs.seed(1), List.of()))))
                    .isEqualTo("INVALID_ANSWER liar: schedule has 1 rounds, 2 were asked");
            assertThat(detail(c.route(Inputs.routing(3, "n0")))).startsWith("REFUSED");
            assertThat(h.metrics().calls("liar", "invalid_answer")).isEqualTo(2);
        }
    }

    @Test
    void capabilitiesListTheApiKindsAndWalls() {
        TestJars jars = new TestJars(dir);
        try (EnclaveHost h = host(SandboxProbe.probe(), EnclaveSettings.defaults(), jars, FeatureFlags.allOn())) {
            Capabilities c = h.capabilities();
            assertThat(c.apiVersions()).containsExactly("1.0");
            assertThat(c.kinds()).containsExactly("leader-election", "block-validator", "routing");
            assertThat(c.tee()).isEqualTo("software");
            assertThat(c.walls()).extracting(SandboxProbe.Wall::name).containsExactly("user namespace", "unprivileged uid", "capabilities",
                    "no-new-privileges", "seccomp", "process limit", "tmpfs size", "frozen between calls", "bytecode allowlist");
            if (SandboxProbe.probe().available()) {
                assertThat(c.walls()).allSatisfy(w -> assertThat(w.inForce()).as(w.name() + ": " + w.detail()).isTrue());
            }
        }
        // Without the sandbox every wall of it reads as not in force, with the cause.
        try (EnclaveHost h = host(SandboxProbe.Availability.unavailable("injected: no seccomp"), EnclaveSettings.defaults(), jars, FeatureFlags.allOn())) {
            assertThat(h.capabilities().walls()).filteredOn(w -> !w.name().equals("frozen between calls") && !w.name().equals("bytecode allowlist"))
                    .hasSize(7).allSatisfy(w -> assertThat(w.inForce()).isFalse()).allSatisfy(w -> assertThat(w.detail()).isEqualTo("injected: no seccomp"));
        }
    }
}
