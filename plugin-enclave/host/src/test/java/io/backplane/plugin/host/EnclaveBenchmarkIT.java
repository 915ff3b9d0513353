package io.backplane.plugin.host;

import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.wire.Wire;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed test: a benchmark run by hand (it is skipped unless {@code -Dbackplane.bench=true}). Prints the cost of
 * starting an enclave (process start to the handshake answered) and the round-trip latency of calls into a warm one:
 * <pre>scripts/mvn -q -pl plugin-enclave/host -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=EnclaveBenchmarkIT -Dfailsafe.failIfNoSpecifiedTests=false -Dbackplane.bench=true</pre>
 */
class EnclaveBenchmarkIT {
    @TempDir
    Path dir;

    @Test
    void measureEnclaveStartAndRoundTrip() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("backplane.bench"), "benchmark: run with -Dbackplane.bench=true");
        SandboxProbe.Availability sandbox = SandboxProbe.probe();
        Assumptions.assumeTrue(sandbox.available(), () -> "bubblewrap cannot create namespaces here: " + sandbox.cause());
        int starts = Integer.getInteger("backplane.bench.starts", 30);
        int calls = Integer.getInteger("backplane.bench.calls", 20_000);
        TestJars jars = new TestJars(dir);
        Path jar = jars.samplesJar();
        String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
        byte[] manifest = jars.manifest("rr", jar, cls, PluginKind.LEADER_ELECTION);
        try (EnclaveHost host = new EnclaveHost(EnclaveSettings.defaults(), sandbox, jars.authors, PluginMetrics.standalone(),
                FeatureFlags.allOn(), "bench", System::nanoTime)) {
            // The command of a loaded plugin: its private jar copy, readable by the enclave's own uid.
            List<String> template;
            try (PluginClient loaded = host.load(manifest, jar)) {
                template = loaded.launch().command();
            }
            // Interleaved with the launch as it was before issue 11 (the baseline, same run, same load): the ratio is the figure.
            List<String> legacy = legacyCommand(template, host.launcher().javaHome(), sandbox.bwrapPath());
            long[] start = new long[starts];
            long[] legacyStart = new long[starts];
            for (int i = 0; i < starts; i++) {
                long t0 = System.nanoTime();
                Enclave e = Enclave.start("rr", host.launcher().instantiate(template), List.of(PluginKind.LEADER_ELECTION), java.time.Duration.ofSeconds(30));
                start[i] = System.nanoTime() - t0;
                e.close();
                t0 = System.nanoTime();
                Enclave b = Enclave.start("rr", legacy, List.of(PluginKind.LEADER_ELECTION), java.time.Duration.ofSeconds(30));
                legacyStart[i] = System.nanoTime() - t0;
                b.close();
            }
            report("enclave start (spawn to handshake)", start);
            report("baseline: enclave start, launch before issue 11", legacyStart);
            ratio("enclave start", start, legacyStart);

            long[][] pings = new long[2][calls];
            try (Enclave now = Enclave.start("rr", host.launcher().instantiate(template), List.of(PluginKind.LEADER_ELECTION), java.time.Duration.ofSeconds(30));
                 Enclave before = Enclave.start("rr", legacy, List.of(PluginKind.LEADER_ELECTION), java.time.Duration.ofSeconds(30))) {
                Enclave[] both = {now, before};
                for (Enclave e : both) {
                    for (int i = 0; i < 5_000; i++) {
                        e.call(Wire.HELLO, new byte[0], java.time.Duration.ofSeconds(5));
                    }
                }
                // Blocks of 500 calls, alternating, so both see the same machine.
                for (int block = 0; block < calls / 500; block++) {
                    for (int k = 0; k < 2; k++) {
                        for (int i = block * 500; i < (block + 1) * 500; i++) {
                            long t0 = System.nanoTime();
                            both[k].call(Wire.HELLO, new byte[0], java.time.Duration.ofSeconds(5));
                            pings[k][i] = System.nanoTime() - t0;
                        }
                    }
                }
            }
            report("round trip: empty frame, enclave as now", pings[0]);
            report("baseline: round trip, empty frame, launch before issue 11", pings[1]);
            ratio("empty round trip", pings[0], pings[1]);

            try (PluginClient c = host.load(manifest, jar)) {
                LeaderElectionInput small = Inputs.leader(0, 1, Inputs.validators(4), Inputs.seed(1), List.of());
                LeaderElectionInput big = Inputs.leader(0, 1000, Inputs.validators(100), Inputs.seed(1), List.of());
                for (int i = 0; i < 5_000; i++) {
                    c.leaderSchedule(small).orThrow();
                }
                long[] ping = new long[calls];
                long[] rt = new long[calls];
                for (int i = 0; i < calls; i++) {
                    long t0 = System.nanoTime();
                    c.supervisor().call(Wire.HELLO, new byte[0]).orThrow();
                    ping[i] = System.nanoTime() - t0;
                    t0 = System.nanoTime();
                    c.leaderSchedule(small).orThrow();
                    rt[i] = System.nanoTime() - t0;
                }
                report("round trip: handshake frame (empty payload)", ping);
                report("round trip: leader schedule, 4 validators, 1 round", rt);
                long[] bigRt = new long[calls / 10];
                for (int i = 0; i < bigRt.length; i++) {
                    long t0 = System.nanoTime();
                    c.leaderSchedule(big).orThrow();
                    bigRt[i] = System.nanoTime() - t0;
                }
                report("round trip: leader schedule, 100 validators, 1000 rounds", bigRt);
                // Calls 5 ms apart find the enclave frozen (SIGSTOP 1 ms after each answer): these pay the thaw.
                long[] spaced = new long[Math.max(20, calls / 50)];
                for (int i = 0; i < spaced.length; i++) {
                    Thread.sleep(5);
                    long t0 = System.nanoTime();
                    c.supervisor().call(Wire.HELLO, new byte[0]).orThrow();
                    spaced[i] = System.nanoTime() - t0;
                }
                report("round trip: handshake frame, 5 ms apart (frozen between)", spaced);
            }
        }
    }

    /**
     * The launch before issue 11, rebuilt from today's command for the baseline: prlimit (no process limit) and bwrap
     * with whole {@code /usr/lib} and JDK binds, no user namespace flags, no capability drop, no seccomp, unsized
     * {@code /tmp}, bwrap as PID 1; the JVM flags of then. The runtime (handshake, then init) is today's on both.
     */
    private static List<String> legacyCommand(List<String> template, Path javaHome, String bwrap) {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/prlimit", "--as=" + (2048L << 20), "--cpu=600", "--", bwrap,
                "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"));
        for (String d : List.of("/usr/lib", "/usr/lib64", "/usr/lib32")) {
            if (java.nio.file.Files.isDirectory(Path.of(d))) {
                cmd.addAll(List.of("--ro-bind", d, d));
            }
        }
        for (String d : List.of("/lib", "/lib64", "/lib32")) {
            Path p = Path.of(d);
            try {
                if (java.nio.file.Files.isSymbolicLink(p)) {
                    cmd.addAll(List.of("--symlink", java.nio.file.Files.readSymbolicLink(p).toString(), d));
                } else if (java.nio.file.Files.isDirectory(p)) {
                    cmd.addAll(List.of("--ro-bind", d, d));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        cmd.addAll(List.of("--ro-bind", javaHome.toString(), EnclaveLauncher.JDK_IN));
        for (int i = 0; i < template.size() - 2; i++) {
            if (template.get(i).equals("--ro-bind") && (template.get(i + 2).startsWith(EnclaveLauncher.CP_IN) || template.get(i + 2).equals(EnclaveLauncher.PLUGIN_IN))) {
                cmd.addAll(template.subList(i, i + 3));
            }
        }
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8", "--"));
        List<String> now = List.of("-XX:MaxDirectMemorySize=16m", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Duser.language=en",
                "-Duser.country=US", "-Duser.timezone=UTC", "-Dfile.encoding=UTF-8");
        template.subList(template.lastIndexOf(EnclaveLauncher.JDK_IN + "/bin/java"), template.size()).stream().filter(a -> !now.contains(a)).forEach(cmd::add);
        return cmd;
    }

    private static void ratio(String what, long[] now, long[] before) {
        long[] a = now.clone();
        long[] b = before.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        System.out.printf("BENCH ratio %-52s now/before medians = %.2f%n", what, (double) a[a.length / 2] / b[b.length / 2]);
    }

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("BENCH %-58s n=%6d median %9.1f us  p99 %9.1f us  max %9.1f us%n", what, s.length,
                s[s.length / 2] / 1e3, s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e3, s[s.length - 1] / 1e3);
    }
}
