package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.PluginKind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Killing the node with SIGKILL (no shutdown hook runs) takes its enclaves with it: bubblewrap's
 * {@code --die-with-parent}. The "node" here is a separate JVM running {@link Node}, which starts an enclave and
 * prints the enclave's process ids.
 */
class DieWithParentIT {
    @TempDir
    Path dir;

    /** A minimal node: loads the round-robin plugin, calls it once, prints the enclave's pids, then waits to be killed. */
    public static final class Node {
        public static void main(String[] args) throws Exception {
            TestJars jars = new TestJars(Path.of(args[0]));
            Path jar = jars.samplesJar();
            String cls = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
            EnclaveHost host = EnclaveHost.create(EnclaveSettings.defaults(), jars.authors, PluginMetrics.standalone());
            PluginClient c = host.load(jars.manifest("rr", jar, cls, PluginKind.LEADER_ELECTION), jar);
            c.leaderSchedule(Inputs.leader(0, 1, Inputs.validators(1), Inputs.seed(1), List.of())).orThrow();
            Enclave e = (Enclave) c.supervisor().endpoint();
            StringBuilder pids = new StringBuilder("PIDS " + e.pid());
            ProcessHandle.of(e.pid()).orElseThrow().descendants().forEach(p -> pids.append(' ').append(p.pid()));
            System.out.println(pids);
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    @Test
    void enclavesDieWhenTheNodeIsKilled() throws Exception {
        SandboxProbe.Availability a = SandboxProbe.probe();
        Assumptions.assumeTrue(a.available(), () -> "bubblewrap cannot create namespaces here: " + a.cause());
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Node.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Long> pids = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream()))) {
            String line;
            while (pids.isEmpty() && (line = r.readLine()) != null) {
                if (line.startsWith("PIDS ")) {
                    for (String p : line.substring(5).split(" ")) {
                        pids.add(Long.parseLong(p));
                    }
                }
            }
            assertThat(pids).as("the node started an enclave (prlimit/bwrap and the JVM below it)").hasSizeGreaterThanOrEqualTo(2);
            assertThat(pids).allSatisfy(p -> assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).isTrue());
            node.destroyForcibly(); // SIGKILL
            assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && pids.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))) {
            Thread.onSpinWait();
        }
        assertThat(pids).allSatisfy(p -> assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                .as("enclave process %d outlived the node", p).isFalse());
    }
}
