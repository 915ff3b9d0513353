package io.backplane.node.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.hsm.Watermark;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.node.consensus.safety.SafetyData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random instants of a child JVM signing through {@link HsmConsensusSigner} over the real fsynced guard:
 * after every kill, the safety data on disk is whole and at least as new as every signature the guard ever produced
 * (its durable watermark, written before any signature leaves it) and every signature the child saw, and a restart
 * from it continues (a refusal would kill the child early, which fails the test).
 */
class SafetyDataCrashIT {
    static final int KILLS = Integer.getInteger("backplane.safety.kills", 12);

    @TempDir
    Path dir;

    @Test
    void theSafetyDataIsNeverBehindAReleasedSignature() throws Exception {
        long seed = Long.getLong("backplane.safety.seed", 7L);
        Random rng = new Random(seed);
        System.out.println("SafetyDataCrashIT seed " + seed + " (replay: -Dbackplane.safety.seed=" + seed + ")");
        SafetyDataFile file = new SafetyDataFile(dir.resolve("safety-data"));
        long releasedTotal = 0;
        for (int k = 0; k < KILLS; k++) {
            long start = file.read().map(b -> SafetyData.decode(b).lastVotedRound() + 1).orElse(1L);
            long before = releasedCount();
            Process p = child(start);
            // Wait until this life has released a signature (a JVM start on a loaded machine can take longer than the
            // kill delay), then let it sign for a random while and SIGKILL it (destroyForcibly is SIGKILL on Linux).
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (releasedCount() == before && p.isAlive() && System.nanoTime() < waitUntil) {
                Thread.sleep(5);
            }
            assertThat(releasedCount()).as("the child released a signature within 60 s: see %s", dir.resolve("child.err")).isGreaterThan(before);
            boolean exited = p.waitFor(rng.nextInt(600), TimeUnit.MILLISECONDS);
            assertThat(exited).as("the child died on its own: see %s", dir.resolve("child.err")).isFalse();
            p.destroyForcibly();
            p.waitFor();
            List<String> released = Files.exists(dir.resolve("released")) ? Files.readAllLines(dir.resolve("released")) : List.of();
            long lastReleased = released.stream().filter(s -> !s.isBlank()).mapToLong(Long::parseLong).max().orElse(0);
            releasedTotal = released.size();
            long onDisk = new SafetyDataFile(dir.resolve("safety-data")).read().map(b -> SafetyData.decode(b).lastVotedRound()).orElse(0L);
            assertThat(onDisk).as("seed %d, kill %d: safety data vs last released vote", seed, k).isGreaterThanOrEqualTo(lastReleased);
            try (SigningGuard guard = SigningGuard.open(dir.resolve("guard"))) {
                long signed = guard.watermark("k", io.backplane.hsm.SigningKind.VOTE).map(Watermark::round).orElse(0L);
                assertThat(onDisk).as("seed %d, kill %d: safety data vs the guard's watermark", seed, k).isGreaterThanOrEqualTo(signed);
                assertThat(signed).isGreaterThanOrEqualTo(lastReleased);
            }
        }
        assertThat(releasedTotal).as("the child released signatures between kills").isGreaterThanOrEqualTo(KILLS);
    }

    private long releasedCount() throws java.io.IOException {
        Path released = dir.resolve("released");
        if (!Files.exists(released)) {
            return 0;
        }
        return Files.readAllLines(released).stream().filter(s -> !s.isBlank()).count();
    }

    private Process child(long start) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SafetyDataCrashChild.class.getName(), dir.toString(), Long.toString(start))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.err").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }
}
