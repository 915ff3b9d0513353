package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.PluginKind;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference plugins as signed jars in bubblewrap enclaves: the same suite, one enclave per plugin reused across
 * the tests of this class.
 */
class SandboxedSamplePluginsIT extends SamplePluginsSuite {
    @TempDir
    static Path dir;
    private EnclaveHost host;
    private TestJars jars;
    private final Map<Class<?>, PluginClient> clients = new HashMap<>();

    @BeforeAll
    void start() {
        SandboxProbe.Availability sandbox = SandboxProbe.probe();
        Assumptions.assumeTrue(sandbox.available(), () -> "bubblewrap cannot create namespaces here: " + sandbox.cause());
        jars = new TestJars(dir);
        host = new EnclaveHost(EnclaveSettings.defaults().withCallDeadline(java.time.Duration.ofSeconds(10)), sandbox, jars.authors,
                PluginMetrics.standalone(), FeatureFlags.allOn(), "n0", System::nanoTime);
    }

    @AfterAll
    void stop() {
        clients.values().forEach(PluginClient::close);
        if (host != null) {
            host.close();
        }
    }

    @Override
    synchronized PluginClient client(Class<?> type, PluginKind kind) {
        return clients.computeIfAbsent(type, t -> {
            Path jar = jars.samplesJar();
            String id = t.getSimpleName().toLowerCase().replaceAll("[^a-z0-9]", "");
            try {
                return host.load(jars.manifest(id, jar, t.getName(), kind), jar);
            } catch (PluginRefusedException e) {
                throw new AssertionError("a reference plugin was refused: " + e.getMessage(), e);
            }
        });
    }

    @Test
    void theReferencePluginsRunInRealChildProcesses() {
        PluginClient c = client(io.backplane.plugin.samples.RoundRobinLeaderElection.class, PluginKind.LEADER_ELECTION);
        c.leaderSchedule(Inputs.leader(0, 3, Inputs.validators(3), Inputs.seed(1), java.util.List.of())).orThrow();
        Enclave e = (Enclave) c.supervisor().endpoint();
        assertThat(e.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(e.alive()).isTrue();
        assertThat(e.command()).contains("--unshare-all", "--die-with-parent", "--new-session");
    }

    @Test
    void theEnclaveJvmHasItsOwnNamespacesAndTheLimitsApplied() throws Exception {
        PluginClient c = client(io.backplane.plugin.samples.RoundRobinLeaderElection.class, PluginKind.LEADER_ELECTION);
        c.leaderSchedule(Inputs.leader(0, 3, Inputs.validators(3), Inputs.seed(1), java.util.List.of())).orThrow();
        Enclave e = (Enclave) c.supervisor().endpoint();
        ProcessHandle jvm = ProcessHandle.of(e.pid()).orElseThrow().descendants()
                .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/bin/java")).orElse(false)).findFirst().orElseThrow();
        Path proc = Path.of("/proc", String.valueOf(jvm.pid()));
        for (String ns : java.util.List.of("net", "mnt", "pid", "ipc", "uts")) {
            assertThat(java.nio.file.Files.readSymbolicLink(proc.resolve("ns/" + ns)))
                    .as("%s namespace", ns).isNotEqualTo(java.nio.file.Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)));
        }
        String limits = java.nio.file.Files.readString(proc.resolve("limits"));
        assertThat(limits).containsPattern("Max cpu time\\s+600\\s+600\\s+seconds")
                .containsPattern("Max address space\\s+2147483648\\s+2147483648\\s+bytes");
        // A new session: the enclave is not in this JVM's session, so a terminal signal to the node cannot reach it.
        String stat = java.nio.file.Files.readString(proc.resolve("stat"));
        String mine = java.nio.file.Files.readString(Path.of("/proc/self/stat"));
        assertThat(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]).isNotEqualTo(mine.substring(mine.lastIndexOf(')') + 2).split(" ")[3]);
    }
}
