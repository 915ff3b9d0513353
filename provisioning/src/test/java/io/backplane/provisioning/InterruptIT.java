package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clean stops, on real child JVMs sent a real SIGINT (what Ctrl-C sends): the finished work is printed, the exit
 * code is 130, and nothing is left behind: not outside the home (the child's own temporary directory, standing in
 * for /tmp, stays empty) and not inside it (its {@code tmp/} holds no scratch directory afterwards).
 */
class InterruptIT {
    @TempDir
    Path dir;

    /**
     * The command line in a child JVM whose java.io.tmpdir is {@code outside}; SIGINT once {@code ready} holds for what
     * it has written to stdout and stderr so far (null: let it finish).
     */
    private ChildJvm.Result run(Path outside, Map<String, String> env, java.util.function.BiPredicate<String, String> ready, String... args) throws Exception {
        Files.createDirectories(outside);
        ChildJvm jvm = ChildJvm.in(dir).flags("-Djava.io.tmpdir=" + outside).env(env);
        Path out = jvm.out();
        Path err = jvm.err();
        Process p = jvm.start(Main.class.getName(), args);
        if (ready != null) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ready.test(Files.readString(out), Files.readString(err)) && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(300); // a little finished work to print
            assertThat(p.isAlive()).as("the command was still running when interrupted: " + Files.readString(err)).isTrue();
            assertThat(new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor()).isZero();
        }
        return jvm.waitFor(p, 60, "after SIGINT " + List.of(args));
    }

    private static List<Path> contents(Path d) throws IOException {
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(p -> !p.equals(d)).toList();
        }
    }

    @Test
    void simJsonInterruptedPrintsTheFinishedRunsMarkedInterruptedAndExits130() throws Exception {
        Path outside = dir.resolve("outside");
        // Under --json nothing shows progress, so wait a while; interrupted before the first run, the one document is
        // the error (exit 130 too): then try again with a longer wait, until the runs had begun.
        JsonNode doc = null;
        for (long waitMs = 3000; waitMs <= 24000 && (doc == null || doc.has("error")); waitMs *= 2) {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
            ChildJvm.Result c = run(outside, Map.of(), (o, e) -> System.nanoTime() > until, "sim", "--seeds", "1000000", "--rounds", "40", "--json");
            assertThat(c.code()).as(c.err()).isEqualTo(ExitCodes.INTERRUPTED);
            assertThat(c.out().strip()).as("one document").doesNotContain("\n");
            doc = JsonOutput.MAPPER.readTree(c.out());
            if (doc.has("error")) {
                assertThat(doc.at("/error/code").asInt()).isEqualTo(ExitCodes.INTERRUPTED);
            }
        }
        assertThat(doc.get("interrupted").asBoolean()).isTrue();
        JsonNode runs = doc.get("runs");
        for (int i = 0; i < runs.size(); i++) {
            assertThat(runs.get(i).get("seed").asLong()).isEqualTo(i + 1); // finished runs, in order, none half-written
        }
        assertThat(doc.get("safetyViolations").asLong()).isZero();
        assertThat(contents(outside)).isEmpty();
    }

    @Test
    void simWithAPluginInterruptedLeavesNoEnclaveFilesAnywhere() throws Exception {
        Path home = dir.resolve("home");
        Path keys = dir.resolve("keys");
        Path jar = SamplePluginsJar.in(dir);
        Path manifest = dir.resolve("s.manifest.json");
        assertThat(InProcessCli.run("plugins", "keygen", "--key-id", "me", "--out", keys.toString()).code()).isZero();
        assertThat(InProcessCli.run("plugins", "trust", "--home", home.toString(), "--key-id", "me", "--public-key", keys.resolve("me.pub").toString()).code()).isZero();
        assertThat(InProcessCli.run("plugins", "manifest", "--jar", jar.toString(), "--id", "rr", "--plugin-version", "1.0.0", "--kind", "leader-election",
                "--entry-class", "io.backplane.plugin.samples.RoundRobinLeaderElection", "--key", keys.resolve("me.key").toString(),
                "--key-id", "me", "--out", manifest.toString()).code()).isZero();
        List<Path> before = contents(home);
        Path outside = dir.resolve("outside");
        ChildJvm.Result c = run(outside, Map.of(), (o, e) -> o.contains("seed "), "sim", "--home", home.toString(), "--seeds", "1000000", "--rounds", "40",
                "--leader-election", jar.toString(), "--leader-election-manifest", manifest.toString(), "--allow-weak-sandbox");
        assertThat(c.code()).as(c.out() + c.err()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(c.out()).contains("sim: interrupted after");
        assertThat(contents(outside)).as("nothing outside the home").isEmpty();
        // Inside: what was there, plus at most the tmp/ directory itself; no scratch directory, enclave folder or jar copy.
        List<Path> after = new ArrayList<>(contents(home));
        after.removeAll(before);
        assertThat(after).allSatisfy(p -> assertThat(p).isEqualTo(home.resolve("tmp")));
    }

    @Test
    void benchInterruptedPrintsTheSuitesItFinished() throws Exception {
        Path home = dir.resolve("bh");
        Path outside = dir.resolve("outside");
        ChildJvm.Result c = run(outside, Map.of(), (o, e) -> e.contains("bench: merkle"), "bench", "--ops", "sha256,merkle,sha256,merkle,sha256,merkle,sha256,merkle", "--device", "cpu",
                "--min-time-ms", "300", "--max-point-ms", "2000", "--max-batch", "65536", "--home", home.toString());
        assertThat(c.code()).as(c.err()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(c.out()).contains("bench: interrupted after");
        assertThat(contents(outside)).isEmpty();
        assertThat(contents(home.resolve("tmp"))).isEmpty();
    }

}
