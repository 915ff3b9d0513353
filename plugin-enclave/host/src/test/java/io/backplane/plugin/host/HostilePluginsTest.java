package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile plugins, each a real jar compiled here. Each is refused at load by the bytecode scan or contained at run
 * time; those the scan refuses are also run with the scan off to prove the sandbox holds on its own (the second wall).
 * After each, this JVM still runs a well-behaved plugin, and the metrics show what happened.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostilePluginsTest {
    @TempDir
    static Path dir;
    private TestJars jars;
    private Map<String, Path> jar;
    private ServerSocket listener;
    private Path nodeKeyFile;
    private Path hostFile;
    private SandboxProbe.Availability sandbox;
    private PluginMetrics metrics;
    private EnclaveHost guarded;
    private EnclaveHost bare;

    @BeforeAll
    void build() throws IOException {
        jars = new TestJars(dir);
        listener = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        Path keys = Files.createDirectories(dir.resolve("node-home/hsm"));
        nodeKeyFile = Files.writeString(keys.resolve("identity.key"), "SECRET-KEY-MATERIAL");
        hostFile = dir.resolve("pwned.txt");
        Map<String, String> sources = new HashMap<>();
        sources.putAll(HostileSources.socket(listener.getLocalPort()));
        sources.putAll(HostileSources.read(nodeKeyFile.toString()));
        sources.putAll(HostileSources.write(hostFile.toString()));
        sources.putAll(HostileSources.fork(hostFile.toString()));
        sources.putAll(HostileSources.allocate());
        sources.putAll(HostileSources.spin());
        sources.putAll(HostileSources.exit());
        sources.putAll(HostileSources.garbage());
        sources.putAll(HostileSources.random());
        sources.putAll(HostileSources.sleep());
        jar = jars.compileEach("hostile", sources);
        sandbox = SandboxProbe.probe();
        metrics = PluginMetrics.standalone();
        EnclaveSettings s = EnclaveSettings.defaults().withCallDeadline(Duration.ofMillis(1500));
        guarded = new EnclaveHost(s, sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime);
        bare = new EnclaveHost(s.withScanBytecode(false), sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime);
    }

    @AfterAll
    void close() throws IOException {
        listener.close();
        guarded.close();
        bare.close();
        // No enclave outlives its client: this JVM has no child process left.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive)) {
            Thread.onSpinWait();
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().command().orElse("?")))
                .as("processes left behind").isEmpty();
    }

    private void needSandbox() {
        Assumptions.assumeTrue(sandbox.available(), () -> "bubblewrap cannot create namespaces here: " + sandbox.cause());
    }

    private byte[] manifest(String id, String cls) {
        return jars.manifest(id, jar.get(cls), cls, PluginKind.LEADER_ELECTION);
    }

    private static LeaderElectionInput input() {
        return Inputs.leader(0, 4, Inputs.validators(4), Inputs.seed(9), List.of());
    }

    private String refusal(String id, String cls) {
        try {
            guarded.load(manifest(id, cls), jar.get(cls)).close();
            throw new AssertionError(cls + " passed the bytecode scan");
        } catch (PluginRefusedException e) {
            assertThat(e.reason()).isEqualTo(UndecidedReason.REFUSED);
            assertThat(metrics.refusals(id)).isEqualTo(1);
            return e.getMessage();
        }
    }

    /** Runs {@code cls} with the scan off, once; returns the outcome and checks the enclave is gone if it failed. */
    private PluginOutcome<?> runBare(String id, String cls) throws PluginRefusedException {
        try (PluginClient c = bare.load(manifest(id, cls), jar.get(cls))) {
            PluginOutcome<?> out = c.leaderSchedule(input());
            if (out instanceof PluginOutcome.Undecided<?> u) {
                assertThat(metrics.calls(id, u.reason().label())).as("the outcome is in the metrics").isEqualTo(1);
                if (u.reason().killsEnclave()) {
                    assertThat(c.supervisor().endpoint()).as("the failed enclave is discarded").isNull();
                }
            }
            return out;
        }
    }

    private void nodeStillWorks() throws PluginRefusedException {
        Path samples = jars.samplesJar();
        String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
        try (PluginClient c = guarded.load(jars.manifest("still-works", samples, cls, PluginKind.LEADER_ELECTION), samples)) {
            assertThat(c.leaderSchedule(input()).orThrow().leaders()).containsExactly("v0", "v1", "v2", "v3");
        }
    }

    private static String detail(PluginOutcome<?> o) {
        return o instanceof PluginOutcome.Undecided<?> u ? u.reason() + " " + u.detail() : "decided " + o;
    }

    @Test
    void theScanRefusesEachHostileJarAndSaysWhy() {
        assertThat(refusal("socket", "hostile.Socket")).contains("java.net.Socket (sockets)");
        assertThat(refusal("read", "hostile.Read")).contains("(files)");
        assertThat(refusal("write", "hostile.Write")).contains("java.io.FileOutputStream (files)");
        assertThat(refusal("fork", "hostile.Fork")).contains("java.lang.ProcessBuilder (processes)");
        assertThat(refusal("exit", "hostile.Exit")).contains("java.lang.System.exit (System.exit)");
        assertThat(refusal("garbage", "hostile.Garbage")).contains("java.io.FileDescriptor (files)");
        assertThat(refusal("random", "hostile.RandomAnswers")).contains("java.util.Random (randomness)").contains("System.nanoTime (clocks)");
        assertThat(refusal("sleep", "hostile.Sleep")).contains("java.lang.Thread (threads)");
    }

    @Test
    void theReferencePluginsPassTheScan() throws IOException {
        assertThat(BytecodeScanner.scan(jars.samplesJar())).isEmpty();
    }

    @Test
    void theScanRefusesClassesThatSquatOnTheHostsPackages() {
        Path squat = jars.compile("squat", Map.of("io.backplane.plugin.runtime.Squat", """
                package io.backplane.plugin.runtime;
                public final class Squat implements io.backplane.plugin.api.LeaderElection {
                    public io.backplane.plugin.api.LeaderSchedule schedule(io.backplane.plugin.api.LeaderElectionInput in) {
                        return new io.backplane.plugin.api.LeaderSchedule(java.util.List.of());
                    }
                }
                """));
        try {
            guarded.load(jars.manifest("squat", squat, "io.backplane.plugin.runtime.Squat", PluginKind.LEADER_ELECTION), squat).close();
            throw new AssertionError("a class in the runtime's package passed the scan");
        } catch (PluginRefusedException e) {
            assertThat(e.getMessage()).contains("package io.backplane.plugin.runtime. (a package reserved for the host)");
        }
    }

    @Test
    void aSocketCannotReachTheHostEvenWithTheScanOff() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("socket-bare", "hostile.Socket");
        assertThat(detail(out)).startsWith("PLUGIN_ERROR").contains("connect failed").doesNotContain("CONNECTED");
        listener.setSoTimeout(200);
        try {
            listener.accept().close();
            throw new AssertionError("the enclave reached the host's loopback");
        } catch (SocketTimeoutException expected) {
            // nobody connected
        }
        nodeStillWorks();
    }

    @Test
    void theNodeKeysAndPasswdAreInvisibleEvenWithTheScanOff() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("read-bare", "hostile.Read");
        assertThat(detail(out)).contains("read failed: java.nio.file.NoSuchFileException: /etc/passwd")
                .contains("read failed: java.nio.file.NoSuchFileException: " + nodeKeyFile).doesNotContain("root:").doesNotContain("SECRET");
        nodeStillWorks();
    }

    @Test
    void writesCannotLeaveTheEnclaveEvenWithTheScanOff() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("write-bare", "hostile.Write");
        assertThat(detail(out)).contains("write failed").doesNotContain("WROTE");
        assertThat(hostFile).doesNotExist();
        nodeStillWorks();
    }

    @Test
    void aForkFindsNothingToRunEvenWithTheScanOff() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("fork-bare", "hostile.Fork");
        assertThat(detail(out)).contains("fork failed").doesNotContain("FORKED");
        assertThat(hostFile).doesNotExist();
        nodeStillWorks();
    }

    @Test
    void systemExitOnlyEndsTheEnclave() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("exit-bare", "hostile.Exit");
        assertThat(detail(out)).startsWith("CRASHED").contains("exited");
        assertThat(metrics.restarts("exit-bare", UndecidedReason.CRASHED)).isEqualTo(1);
        nodeStillWorks();
    }

    @Test
    void garbageOnStdoutIsAProtocolViolationThatKillsTheEnclave() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("garbage-bare", "hostile.Garbage");
        assertThat(detail(out)).startsWith("PROTOCOL_VIOLATION");
        assertThat(metrics.calls("garbage-bare", "protocol_violation")).isEqualTo(1);
        nodeStillWorks();
    }

    @Test
    void sleepingPastTheDeadlineIsKilled() throws Exception {
        needSandbox();
        PluginOutcome<?> out = runBare("sleep-bare", "hostile.Sleep");
        assertThat(detail(out)).startsWith("DEADLINE_MISSED").contains("within 1500 ms");
        assertThat(metrics.calls("sleep-bare", "deadline_missed")).isEqualTo(1);
        nodeStillWorks();
    }

    @Test
    void anInfiniteLoopPassesTheScanButIsKilledAtTheDeadline() throws Exception {
        needSandbox();
        try (PluginClient c = guarded.load(manifest("spin", "hostile.Spin"), jar.get("hostile.Spin"))) {
            PluginOutcome<?> out = c.leaderSchedule(input());
            assertThat(detail(out)).startsWith("DEADLINE_MISSED");
            assertThat(metrics.calls("spin", "deadline_missed")).isEqualTo(1);
            assertThat(metrics.restarts("spin", UndecidedReason.DEADLINE_MISSED)).isEqualTo(1);
        }
        nodeStillWorks();
    }

    @Test
    void unboundedAllocationPassesTheScanButOnlyKillsTheEnclave() throws Exception {
        needSandbox();
        try (PluginClient c = guarded.load(manifest("allocate", "hostile.Allocate"), jar.get("hostile.Allocate"))) {
            Enclave before = startedEnclave(c);
            PluginOutcome<?> out = c.leaderSchedule(input());
            assertThat(detail(out)).startsWith("CRASHED").contains("OutOfMemoryError");
            assertThat(ProcessHandle.of(before.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(metrics.calls("allocate", "crashed")).isEqualTo(1);
        }
        nodeStillWorks();
    }

    @Test
    void randomAnswersAreCaughtByDualExecution() throws Exception {
        needSandbox();
        EnclaveSettings s = bare.settings().withDualExecutionEvery(1);
        try (EnclaveHost dual = new EnclaveHost(s, sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime);
             PluginClient c = dual.load(manifest("random-bare", "hostile.RandomAnswers"), jar.get("hostile.RandomAnswers"))) {
            // A 64-round window over 4 validators: two independent random schedules agree with probability 4^-64.
            PluginOutcome<?> out = c.leaderSchedule(Inputs.leader(0, 64, Inputs.validators(4), Inputs.seed(1), List.of()));
            assertThat(detail(out)).startsWith("NON_DETERMINISTIC");
            assertThat(metrics.nonDeterminism("random-bare")).isEqualTo(1);
        }
        nodeStillWorks();
    }

    /** Starts the enclave with a harmless call... not possible for a hostile plugin, so start it through the factory. */
    private static Enclave startedEnclave(PluginClient c) {
        PluginOutcome<byte[]> hello = c.supervisor().call(io.backplane.plugin.runtime.Wire.HELLO, new byte[0]);
        assertThat(hello.decided()).isTrue();
        return (Enclave) c.supervisor().endpoint();
    }
}
