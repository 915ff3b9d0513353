package io.backplane.plugin.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.PluginKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same enclave code on a non-root host: a child JVM started as {@code nobody} (through {@code setpriv}, so this
 * needs a root test run, as CI's is) probes the walls, runs a reference plugin and a hostile one with the scan off.
 * Without {@code setpriv} to drop to, the enclave keeps the node's uid and the process limit counts the node's tasks.
 */
class NonRootHostIT {
    static final int NOBODY = 65534;

    @TempDir
    Path dir;

    /** The child: prints one line per result, each with a marker the parent looks for. */
    public static final class Node {
        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            SandboxProbe.Availability a = SandboxProbe.probe();
            System.out.println("PROBE available=" + a.available() + " root=" + a.rootHost() + " cause=" + a.cause());
            a.walls().forEach(w -> System.out.println("WALL " + w.name() + " " + w.inForce() + " " + w.detail()));
            TestJars jars = new TestJars(work);
            Map<String, Path> hostile = jars.compileEach("hostile", HostileSources.environ());
            PluginMetrics metrics = PluginMetrics.standalone();
            EnclaveSettings s = EnclaveSettings.defaults().withScanBytecode(false).withCallDeadline(Duration.ofSeconds(5));
            try (EnclaveHost host = new EnclaveHost(s, a, jars.authors, metrics, FeatureFlags.allOn(), "n0", System::nanoTime)) {
                Path samples = jars.samplesJar();
                String rr = io.backplane.plugin.samples.RoundRobinLeaderElection.class.getName();
                try (PluginClient c = host.load(jars.manifest("rr", samples, rr, PluginKind.LEADER_ELECTION), samples)) {
                    System.out.println("RR " + c.leaderSchedule(Inputs.leader(0, 4, Inputs.validators(4), Inputs.seed(1), List.of())));
                }
                Path env = hostile.get("hostile.Environ");
                try (PluginClient c = host.load(jars.manifest("environ", env, "hostile.Environ", PluginKind.LEADER_ELECTION), env)) {
                    System.out.println("ENVIRON " + c.leaderSchedule(Inputs.leader(0, 4, Inputs.validators(4), Inputs.seed(1), List.of())));
                }
            }
            System.out.println("DONE");
            System.out.flush();
        }
    }

    @Test
    void enclavesKeepEveryWallOnANonRootHost() throws Exception {
        Assumptions.assumeTrue(EnclaveLauncher.currentUid() == 0, "needs a root test run to start a non-root host (CI runs as root)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux)");
        SandboxProbe.Availability mine = SandboxProbe.probe();
        Assumptions.assumeTrue(mine.available(), () -> "bubblewrap cannot raise the walls here: " + mine.cause());
        // The child cannot read root's Maven repository or this test's private directories: give it a copy.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path cp = Files.createDirectories(dir.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path src = Path.of(e);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = cp.resolve(i++ + (Files.isDirectory(src) ? "" : ".jar"));
            copyTree(src, dst);
            entries.add(dst.toString());
        }
        Path work = Files.createDirectories(dir.resolve("work"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        for (Path p : List.of(work, tmp)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        try (Stream<Path> walk = Files.walk(cp)) {
            for (Path p : walk.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Djava.io.tmpdir=" + tmp, "-cp", String.join(":", entries),
                Node.class.getName(), work.toString()).redirectErrorStream(true);
        pb.environment().put("HOME", work.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("DONE").contains("PROBE available=true root=false cause=");
        assertThat(out).contains("WALL user namespace true", "WALL capabilities true", "WALL seccomp true", "WALL no-new-privileges true",
                "WALL process limit true", "WALL tmpfs size true", "WALL unprivileged uid true");
        assertThat(out).contains("RR Decided[value=LeaderSchedule[leaders=[v0, v1, v2, v3]]]");
        String env = out.lines().filter(l -> l.startsWith("ENVIRON ")).findFirst().orElseThrow();
        assertThat(env).contains("ENV /proc/1/environ=[HOME=/tmp LANG=C.UTF-8 TZ=UTC PWD=/tmp ]", "CapEff: 0000000000000000", "NoNewPrivs: 1", "Seccomp: 2", "Uid: " + NOBODY + " ");
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        if (!Files.isDirectory(src)) {
            Files.copy(src, dst);
            return;
        }
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : walk.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
