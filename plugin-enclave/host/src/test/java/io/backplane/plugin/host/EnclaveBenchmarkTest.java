package io.backplane.plugin.host;

import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.runtime.Wire;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a timed test: a benchmark run by hand (it is skipped unless {@code -Dbackplane.bench=true}). Prints the cost of
 * starting an enclave (process start to the handshake answered) and the round-trip latency of calls into a warm one:
 * <pre>mvn -B -q -ntp -pl plugin-enclave/host -am verify -Dtest=EnclaveBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false -Dbackplane.bench=true</pre>
 */
class EnclaveBenchmarkTest {
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
            long[] start = new long[starts];
            for (int i = 0; i < starts; i++) {
                long t0 = System.nanoTime();
                Enclave e = Enclave.start("rr", host.launcher().instantiate(template), List.of(PluginKind.LEADER_ELECTION), java.time.Duration.ofSeconds(30));
                start[i] = System.nanoTime() - t0;
                e.close();
            }
            report("enclave start (spawn to handshake)", start);

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

    private static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("BENCH %-58s n=%6d median %9.1f us  p99 %9.1f us  max %9.1f us%n", what, s.length,
                s[s.length / 2] / 1e3, s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e3, s[s.length - 1] / 1e3);
    }
}
