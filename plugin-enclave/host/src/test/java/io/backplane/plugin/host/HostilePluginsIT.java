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
class HostilePluginsIT {
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
        sources.putAll(HostileSources.environ());
        sources.putAll(HostileSources.childJvm());
        sources.putAll(HostileSources.fillTmp());
        sources.putAll(HostileSources.threads());
        sources.putAll(HostileSources.stderrFlood());
        sources.putAll(HostileSources.hugeError());
        sources.putAll(HostileSources.slowConstructor());
        sources.putAll(HostileSources.tools());
        sources.putAll(HostileSources.counter());
        sources.putAll(HostileSources.alwaysThrows());
        sources.putAll(HostileSources.procPeek());
        sources.putAll(HostileSources.lambdaName());
        sources.putAll(HostileSources.finallyDepth());
        jar = new HashMap<>(jars.compileEach("hostile", sources));
        jar.putAll(jars.compileEach("hostile25", HostileSources.syscalls(), "25"));
        jar.putAll(jars.compileEach("hostile25pipes", HostileSources.pipes(), "25"));
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
        assertThat(refusal("socket", "hostile.Socket")).contains("java.net.Socket (not on the allowlist)");
        assertThat(refusal("read", "hostile.Read")).contains("java.nio.file.Files (not on the allowlist)");
        assertThat(refusal("write", "hostile.Write")).contains("java.io.FileOutputStream (not on the allowlist)");
        assertThat(refusal("fork", "hostile.Fork")).contains("java.lang.ProcessBuilder (not on the allowlist)");
        assertThat(refusal("exit", "hostile.Exit")).contains("java.lang.System.exit (not on the allowlist)");
        assertThat(refusal("garbage", "hostile.Garbage")).contains("java.io.FileDescriptor (not on the allowlist)");
        assertThat(refusal("random", "hostile.RandomAnswers")).contains("java.util.Random (not on the allowlist)")
                .contains("java.lang.System.nanoTime (not on the allowlist)");
        assertThat(refusal("sleep", "hostile.Sleep")).contains("java.lang.Thread (not on the allowlist)");
    }

    @Test
    void theScanRefusesWhatGotPastTheDenylist() {
        assertThat(refusal("environ", "hostile.Environ")).contains("java.nio.file.Files (not on the allowlist)");
        assertThat(refusal("syscalls", "hostile.Syscalls")).contains("java.lang.foreign.Linker (not on the allowlist)")
                .contains("catch java.lang.Throwable");
        assertThat(refusal("child-jvm", "hostile.ChildJvm")).contains("java.lang.ProcessBuilder (not on the allowlist)");
        assertThat(refusal("fill-tmp", "hostile.FillTmp")).contains("java.io.FileOutputStream (not on the allowlist)");
        assertThat(refusal("threads", "hostile.Threads")).contains("java.lang.Thread (not on the allowlist)")
                .contains("java.util.concurrent.atomic.AtomicLong (not on the allowlist)");
        assertThat(refusal("tools", "hostile.Tools")).contains("java.util.spi.ToolProvider (not on the allowlist)");
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
        // Either the socket cannot even be made (seccomp refuses socket(2): the class fails to initialise) or it fails to connect.
        assertThat(detail(out)).startsWith("PLUGIN_ERROR").containsAnyOf("connect failed", "ExceptionInInitializerError").doesNotContain("CONNECTED");
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
    void aStackOverflowSwallowedByAFinallyPassesTheScanButEndsTheEnclave() throws Exception {
        needSandbox();
        // The stack depth it reached would be the answer (it differs between two fresh JVMs): the JVM aborts at the throw.
        try (PluginClient c = guarded.load(manifest("finally-depth", "hostile.FinallyDepth"), jar.get("hostile.FinallyDepth"))) {
            PluginOutcome<?> out = c.leaderSchedule(input());
            assertThat(detail(out)).startsWith("CRASHED").doesNotContain("depth=");
            assertThat(metrics.restarts("finally-depth", UndecidedReason.CRASHED)).isEqualTo(1);
        }
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
            assertThat(metrics.slowCalls("spin")).as("a call over half its deadline is a liveness cost").isEqualTo(1);
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

    /** Keys of this JVM's environment that must not reach an enclave (it has only HOME, LANG, TZ and bwrap's PWD). */
    private static List<String> nodeEnvironmentKeys() {
        return System.getenv().keySet().stream().filter(k -> !List.of("HOME", "LANG", "TZ", "PWD").contains(k)).map(k -> k + "=").toList();
    }

    @Test
    void bubblewrapsEnvironmentIsEmptyAndTheEnclaveHasNoPrivilegeEvenWithTheScanOff() throws Exception {
        needSandbox();
        String d;
        try (PluginClient c = bare.load(manifest("environ-bare", "hostile.Environ"), jar.get("hostile.Environ"))) {
            d = detail(c.leaderSchedule(input()));
            Enclave e = (Enclave) c.supervisor().endpoint();
            // Outside the enclave's PID namespace: the wrapper chain (now bwrap) started with nothing of the node's.
            assertThat(new String(Files.readAllBytes(Path.of("/proc/" + e.pid() + "/environ")))).as("bubblewrap's own environment").isEmpty();
        }
        // PID 1 is the enclave's JVM itself (bwrap --as-pid-1); bubblewrap, outside, started with an empty environment.
        assertThat(d).contains("ENV /proc/1/environ=[HOME=/tmp LANG=C.UTF-8 TZ=UTC PWD=/tmp ]").contains("ENV /proc/self/environ=[HOME=/tmp LANG=C.UTF-8 TZ=UTC PWD=/tmp ]");
        assertThat(nodeEnvironmentKeys()).as("the node's environment").isNotEmpty().allSatisfy(k -> assertThat(d).doesNotContain(k));
        assertThat(d).contains("CapEff: 0000000000000000", "CapBnd: 0000000000000000", "NoNewPrivs: 1", "Seccomp: 2").doesNotContain("Uid: 0 ");
        if (sandbox.rootHost()) {
            assertThat(d).as("root host: a uid of its own").contains("Uid: 15");
        }
        nodeStillWorks();
    }

    @Test
    void mountForkUnshareSocketAndPtraceAreRefusedEvenThroughNativeCalls() throws Exception {
        needSandbox();
        String d = detail(runBare("syscalls-bare", "hostile.Syscalls"));
        assertThat(d).contains("mount=-1", "fork=-1", "unshare=-1", "socket=-1", "ptrace=-1").doesNotContain("FORKED").doesNotContain("native failed");
        nodeStillWorks();
    }

    @Test
    void noChildProcessAndNoOtherExecutableEvenWithTheScanOff() throws Exception {
        needSandbox();
        String d = detail(runBare("child-jvm-bare", "hostile.ChildJvm"));
        assertThat(d).contains("spawn failed").doesNotContain("SPAWNED").contains("LS /enclave/jdk/bin=[java]")
                .contains("ls /usr/lib/jvm failed", "ls /usr/bin failed", "ls /usr/lib/git-core failed", "ls /etc failed")
                .doesNotContain("jspawnhelper");
        nodeStillWorks();
    }

    @Test
    void tmpIsSmallAndTheRestIsReadOnlyEvenWithTheScanOff() throws Exception {
        needSandbox();
        String d = detail(runBare("fill-tmp-bare", "hostile.FillTmp"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("/tmp/fill stopped at (\\d+)").matcher(d);
        assertThat(m.find()).as(d).isTrue();
        assertThat(Long.parseLong(m.group(1))).isLessThanOrEqualTo((long) bare.settings().tmpfsMb() << 20);
        assertThat(d).contains("/fill stopped at 0", "/dev/shm/fill stopped at 0").doesNotContain("FILLED");
        nodeStillWorks();
    }

    @Test
    void pipeBuffersCannotHoldMoreKernelMemoryThanTheDescriptorLimitAllowsEvenWithTheScanOff() throws Exception {
        needSandbox();
        String d = detail(runBare("pipes-bare", "hostile.Pipes"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("PIPES (\\d+) HELD (\\d+)").matcher(d);
        assertThat(m.find()).as(d).isTrue();
        // Each pipe holds up to 64 KiB outside the address-space limit; the descriptor limit caps how many there are.
        assertThat(Long.parseLong(m.group(1))).as(d).isGreaterThan(8).isLessThanOrEqualTo(EnclaveLauncher.MAX_FILES / 2);
        assertThat(Long.parseLong(m.group(2))).as(d).isLessThanOrEqualTo((long) EnclaveLauncher.MAX_FILES / 2 << 16);
        nodeStillWorks();
    }

    @Test
    void nothingRunsBetweenCallsAndThreadsAreLimitedEvenWithTheScanOff() throws Exception {
        needSandbox();
        try (PluginClient c = bare.load(manifest("threads-bare", "hostile.Threads"), jar.get("hostile.Threads"))) {
            String left = detail(c.leaderSchedule(Inputs.leader(0, 2, Inputs.validators(4), Inputs.seed(9), List.of())));
            assertThat(left).startsWith("PLUGIN_ERROR").contains("STARTED 4");
            Enclave e = (Enclave) c.supervisor().endpoint();
            long[] before = cpuTicks(e.jvmPid());
            Thread.sleep(500);
            long[] after = cpuTicks(e.jvmPid());
            assertThat((char) after[0]).as("state between calls (T: stopped)").isEqualTo('T');
            assertThat(e.frozen()).isTrue();
            assertThat(after[1]).as("CPU ticks the enclave used between calls").isEqualTo(before[1]);
            String report = detail(c.leaderSchedule(Inputs.leader(0, 3, Inputs.validators(4), Inputs.seed(9), List.of())));
            // Four threads napping 1 ms would have counted about 2000 in the 500 ms; frozen, they count a few at most.
            assertThat(spin(report) - spin(left)).as("work done between the calls").isLessThan(100);

            String many = detail(c.leaderSchedule(Inputs.leader(0, 1, Inputs.validators(4), Inputs.seed(9), List.of())));
            assertThat(many).doesNotContain("STARTED 1000");
            if (many.startsWith("PLUGIN_ERROR")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("threads=(\\d+)").matcher(many);
                assertThat(m.find()).isTrue();
                assertThat(Integer.parseInt(m.group(1))).isLessThan(bare.settings().maxTasks());
            } else {
                assertThat(many).as("the JVM may die of the limit instead").startsWith("CRASHED").contains("unable to create native thread");
            }
        }
        nodeStillWorks();
    }

    private static long spin(String detail) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("spin=(\\d+) end").matcher(detail);
        assertThat(m.find()).as(detail).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** State letter and utime+stime of a process, from /proc/PID/stat. */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {f[0].charAt(0), Long.parseLong(f[11]) + Long.parseLong(f[12])};
    }

    @Test
    void theJdksInProcessCompilerFindsNoSecretsEvenWithTheScanOff() throws Exception {
        needSandbox();
        String d = detail(runBare("tools-bare", "hostile.Tools"));
        assertThat(d).contains("JAVAC @/proc/1/environ");
        assertThat(nodeEnvironmentKeys()).allSatisfy(k -> assertThat(d).doesNotContain(k));
        nodeStillWorks();
    }

    @Test
    void stderrWithoutNewlinesIsCutInBytesAndTheReaderKeepsGoing() throws Exception {
        needSandbox();
        try (PluginClient c = guarded.load(manifest("stderr-flood", "hostile.StderrFlood"), jar.get("hostile.StderrFlood"))) {
            PluginOutcome<?> out = c.leaderSchedule(input());
            assertThat(out.decided()).as(detail(out)).isTrue();
            Enclave e = (Enclave) c.supervisor().endpoint();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (!e.stderrTail().contains("END-MARK") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(e.stderrTail()).contains("END-MARK");
            assertThat(e.stderrBytes()).isGreaterThanOrEqualTo(16L << 20);
            assertThat(e.stderrTail().split(" \\| ")).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(Enclave.STDERR_LINE_BYTES + 3));
        }
        nodeStillWorks();
    }

    @Test
    void aHugeErrorMessageIsCutBeforeItReachesTheNode() throws Exception {
        needSandbox();
        try (PluginClient c = guarded.load(manifest("huge-error", "hostile.HugeError"), jar.get("hostile.HugeError"))) {
            String d = detail(c.leaderSchedule(input()));
            assertThat(d).startsWith("PLUGIN_ERROR").contains("more characters cut");
            assertThat(d.length()).isLessThan(Enclave.ERROR_TEXT_CHARS + 200);
        }
        nodeStillWorks();
    }

    @Test
    void aSlowConstructorIsCutByTheStartUpBudget() throws Exception {
        needSandbox();
        EnclaveSettings s = guarded.settings().withInitDeadline(Duration.ofMillis(800));
        try (EnclaveHost h = new EnclaveHost(s, sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime);
             PluginClient c = h.load(manifest("slow-ctor", "hostile.SlowConstructor"), jar.get("hostile.SlowConstructor"))) {
            long t0 = System.nanoTime();
            String d = detail(c.leaderSchedule(input()));
            assertThat(d).startsWith("DEADLINE_MISSED").contains("start-up budget of 800 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(s.startDeadline());
            assertThat(c.supervisor().consecutiveFailures()).isEqualTo(1);
        }
        nodeStillWorks();
    }

    @Test
    void pluginErrorsCountTowardQuarantine() throws Exception {
        needSandbox();
        try (PluginClient c = guarded.load(manifest("always-throws", "hostile.AlwaysThrows"), jar.get("hostile.AlwaysThrows"))) {
            for (int i = 0; i < guarded.settings().quarantineAfter(); i++) {
                assertThat(detail(c.leaderSchedule(input()))).startsWith("PLUGIN_ERROR");
            }
            assertThat(detail(c.leaderSchedule(input()))).startsWith("QUARANTINED");
            assertThat(metrics.quarantines("always-throws")).isEqualTo(1);
        }
        nodeStillWorks();
    }

    @Test
    void aStaticCounterIsCaughtByASecondFreshEnclave() throws Exception {
        needSandbox();
        EnclaveSettings s = guarded.settings().withDualExecutionEvery(1);
        try (EnclaveHost dual = new EnclaveHost(s, sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime);
             PluginClient c = dual.load(manifest("counter", "hostile.Counter"), jar.get("hostile.Counter"))) {
            assertThat(c.leaderSchedule(input()).decided()).isTrue();
            assertThat(c.leaderSchedule(input()).decided()).isTrue();
            assertThat(detail(c.leaderSchedule(input()))).startsWith("NON_DETERMINISTIC");
            assertThat(metrics.nonDeterminism("counter")).isEqualTo(1);
        }
        nodeStillWorks();
    }

    @Test
    void jarCopiesLeftByAKilledHostAreRemovedAtTheNextStart() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), EnclaveHost.WORK_PREFIX + gone.pid() + "-123"));
        Files.writeString(stale.resolve("plugin1.jar"), "left behind");
        Path mine;
        try (EnclaveHost h = new EnclaveHost(guarded.settings(), sandbox, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime)) {
            assertThat(stale).doesNotExist();
            mine = h.workDir();
            assertThat(mine.getFileName().toString()).startsWith(EnclaveHost.WORK_PREFIX + ProcessHandle.current().pid() + "-");
            assertThat(guarded.workDir()).as("a live host's directory stays").exists();
        }
        assertThat(mine).doesNotExist();
    }

    @Test
    void theSelfReviewsAttackerFindsNoWayOutThroughBubblewrapsProcess() throws Exception {
        needSandbox();
        assertThat(refusal("proc-peek", "hostile.ProcPeek")).contains("java.nio.file.Files (not on the allowlist)");
        String d = detail(runBare("proc-peek-bare", "hostile.ProcPeek"));
        // PID 1 is the enclave's own JVM (bwrap --as-pid-1): no bubblewrap binary, argv or descriptors to reach through it.
        assertThat(d).startsWith("PLUGIN_ERROR").doesNotContain(" READ /proc/1/").contains("PID1EXE /enclave/jdk/bin/java")
                .contains("PID1CMD /enclave/jdk/bin/java ").doesNotContain("--unshare-all").doesNotContain(System.getProperty("java.home"))
                .doesNotContain(guarded.workDir().toString()).doesNotContain(bare.workDir().toString());
        nodeStillWorks();
    }

    @Test
    void aHiddenClassNameIsRefusedByTheScan() {
        assertThat(refusal("lambda-name", "hostile.LambdaName")).contains("java.lang.Class.getName (not on the allowlist)");
    }

    /**
     * A plugin whose schedule loads a dynamic constant bootstrapped through {@code ConstantBootstraps.invoke} on a
     * method handle to {@code System.nanoTime} (what javac never writes, so it is made with ASM): refused at load by
     * name; with the scan off it runs inside the enclave like any other code (its null answer is a plugin error).
     */
    private Path condyJar() throws IOException {
        org.objectweb.asm.ClassWriter cw = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_MAXS | org.objectweb.asm.ClassWriter.COMPUTE_FRAMES);
        cw.visit(org.objectweb.asm.Opcodes.V21, org.objectweb.asm.Opcodes.ACC_PUBLIC | org.objectweb.asm.Opcodes.ACC_FINAL, "hostile/Condy", null,
                "java/lang/Object", new String[] {"io/backplane/plugin/api/LeaderElection"});
        var init = cw.visitMethod(org.objectweb.asm.Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitVarInsn(org.objectweb.asm.Opcodes.ALOAD, 0);
        init.visitMethodInsn(org.objectweb.asm.Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(org.objectweb.asm.Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        var m = cw.visitMethod(org.objectweb.asm.Opcodes.ACC_PUBLIC, "schedule",
                "(Lio/backplane/plugin/api/LeaderElectionInput;)Lio/backplane/plugin/api/LeaderSchedule;", null, null);
        org.objectweb.asm.Handle bsm = new org.objectweb.asm.Handle(org.objectweb.asm.Opcodes.H_INVOKESTATIC, "java/lang/invoke/ConstantBootstraps", "invoke",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;Ljava/lang/invoke/MethodHandle;[Ljava/lang/Object;)Ljava/lang/Object;", false);
        org.objectweb.asm.Handle clock = new org.objectweb.asm.Handle(org.objectweb.asm.Opcodes.H_INVOKESTATIC, "java/lang/System", "nanoTime", "()J", false);
        m.visitLdcInsn(new org.objectweb.asm.ConstantDynamic("now", "Ljava/lang/Object;", bsm, clock));
        m.visitInsn(org.objectweb.asm.Opcodes.POP);
        m.visitInsn(org.objectweb.asm.Opcodes.ACONST_NULL);
        m.visitInsn(org.objectweb.asm.Opcodes.ARETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        Path jarFile = dir.resolve("condy.jar");
        try (var jos = new java.util.jar.JarOutputStream(Files.newOutputStream(jarFile))) {
            jos.putNextEntry(new java.util.jar.JarEntry("hostile/Condy.class"));
            jos.write(cw.toByteArray());
            jos.closeEntry();
        }
        return jarFile;
    }

    @Test
    void aDynamicConstantIsRefusedAtLoadAndContainedWithTheScanOff() throws Exception {
        Path condy = condyJar();
        try {
            guarded.load(jars.manifest("condy", condy, "hostile.Condy", PluginKind.LEADER_ELECTION), condy).close();
            throw new AssertionError("a dynamic constant passed the scan");
        } catch (PluginRefusedException e) {
            assertThat(e.getMessage()).contains("a dynamic constant now (bootstrap java.lang.invoke.ConstantBootstraps.invoke) (dynamic constants)");
        }
        needSandbox();
        try (PluginClient c = bare.load(jars.manifest("condy-bare", condy, "hostile.Condy", PluginKind.LEADER_ELECTION), condy)) {
            assertThat(detail(c.leaderSchedule(input()))).startsWith("PLUGIN_ERROR");
        }
        nodeStillWorks();
    }

    /** Starts the enclave with a harmless call... not possible for a hostile plugin, so start it through the factory. */
    private static Enclave startedEnclave(PluginClient c) {
        PluginOutcome<byte[]> hello = c.supervisor().call(io.backplane.plugin.wire.Wire.HELLO, new byte[0]);
        assertThat(hello.decided()).isTrue();
        return (Enclave) c.supervisor().endpoint();
    }
}
