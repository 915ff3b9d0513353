package io.backplane.hsm.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a signing child JVM with SIGKILL at seeded instants, many times, and checks after every restart that the
 * guard still refuses every conflicting request, has recorded every signature it released, and opens (a crash between
 * the log's fsync and the anchor's update, or between the anchor and the release, must not leave it refusing). The
 * guard is anchored in a file ({@link FileGuardAnchor}) as the keystore's is in the token. Kills:
 * {@code -Dbackplane.crash.kills=N} (default 200), seed: {@code -Dbackplane.crash.seed=S} (printed on failure).
 */
class GuardCrashIT {
    interface LibC extends com.sun.jna.Library {
        LibC INSTANCE = com.sun.jna.Native.load("c", LibC.class);

        int kill(int pid, int signal);
    }

    @TempDir
    Path dir;

    @Test
    void neverDoubleSignsAcrossHundredsOfSigkills() throws Exception {
        long seed = Long.getLong("backplane.crash.seed", 20261125L);
        int kills = Integer.getInteger("backplane.crash.kills", 200);
        Random rnd = new Random(seed);
        Path guardDir = dir.resolve("guard");
        Path releasedFile = dir.resolve("released.txt");
        Map<Long, String> releasedMsgByRound = new HashMap<>();
        long lastReleased = -1;
        int refusedAfterRestart = 0;
        int totalSigned = 0;
        for (int life = 0; life < kills; life++) {
            // Mostly continue after the last released round; sometimes step back to re-ask released rounds with new bytes.
            long start = lastReleased + 1 - (rnd.nextInt(4) == 0 ? rnd.nextInt(3) + 1 : 0);
            start = Math.max(0, start);
            int killAfter = 1 + rnd.nextInt(12);
            Process p = child(guardDir, releasedFile, life, start, seed, null);
            List<String> lines = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int outcomes = 0;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith("FAIL")) {
                        fail("seed " + seed + " life " + life + ": " + line + "\n" + String.join("\n", lines));
                    }
                    if ((line.startsWith("SIGNED") || line.startsWith("REFUSED")) && ++outcomes == killAfter) {
                        // SIGKILL through libc (Process.destroyForcibly would also close our end of its stdout).
                        if (LibC.INSTANCE.kill((int) p.pid(), 9) != 0) {
                            fail("kill -9 " + p.pid() + " failed");
                        }
                    }
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("seed %d life %d exits", seed, life).isTrue();
            deleteTree(dir.resolve("tmp").resolve(Integer.toString(life))); // the child's unpacked native libraries
            assertThat(p.exitValue()).as("seed %d life %d died of SIGKILL; stderr: %s", seed, life,
                    Files.readString(dir.resolve("child.err"))).isEqualTo(128 + 9);
            if (lines.isEmpty() || !lines.get(0).startsWith("CHECKED")) {
                fail("seed " + seed + " life " + life + ": child did not start cleanly: " + lines
                        + "\n" + Files.readString(dir.resolve("child.err")));
            }
            StringBuilder append = new StringBuilder();
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f[0].equals("SIGNED")) {
                    long round = Long.parseLong(f[1]);
                    String prior = releasedMsgByRound.putIfAbsent(round, f[2]);
                    if (prior != null && !prior.equals(f[2])) {
                        fail("seed " + seed + " life " + life + ": round " + round + " released for two different messages");
                    }
                    if (prior == null) {
                        append.append(round).append(' ').append(f[2]).append(' ').append(f[3]).append('\n');
                        totalSigned++;
                    }
                    lastReleased = Math.max(lastReleased, round);
                } else if (f[0].equals("REFUSED")) {
                    refusedAfterRestart++;
                }
            }
            Files.writeString(releasedFile, append, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.out.printf("guard crash test: seed %d, %d SIGKILLs, %d signatures released, %d conflicting requests refused%n",
                seed, kills, totalSigned, refusedAfterRestart);
        assertThat(totalSigned).isGreaterThan(kills / 2);
        assertThat(refusedAfterRestart).as("restarts re-asked rounds with different bytes and were refused").isPositive();
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (var walk = Files.walk(root)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }

    /**
     * A deterministic kill at each point of the sign path: after the record's fsync and before the anchor, and after the
     * anchor and before the release. Either way the round's signature was never released, the next life opens without
     * refusing (a healthy node is not bricked), the anchor covers the record, and conflicting requests are refused.
     */
    @Test
    void aKillBetweenLogAnchorAndReleaseNeitherDoubleSignsNorBricks() throws Exception {
        for (String point : List.of("haltBeforeAnchor", "haltAfterAnchor")) {
            Path d = dir.resolve(point);
            Path guardDir = d.resolve("guard");
            Path released = d.resolve("released.txt");
            Files.createDirectories(d);
            Process p = child(guardDir, released, 0, 0, 1, "-Dbackplane.crash." + point + "=5");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(point + ": halted as by SIGKILL; " + out).isEqualTo(137);
            List<String> signed = out.lines().filter(l -> l.startsWith("SIGNED")).toList();
            assertThat(signed).as(point + ": rounds 0..4 released, 5 never").hasSize(5);
            StringBuilder lines = new StringBuilder();
            for (String l : signed) {
                String[] f = l.split(" ");
                lines.append(f[1]).append(' ').append(f[2]).append(' ').append(f[3]).append('\n');
            }
            Files.writeString(released, lines);
            // Round 5 was recorded durably (its record precedes the halt) though never released.
            assertThat(Files.readString(d.resolve("anchor")).strip()).as(point).isEqualTo(SigningGuardIT.KEY + " vote 0 "
                    + (point.equals("haltBeforeAnchor") ? 4 : 5));
            Process next = child(guardDir, released, 1, 4, 1, null);
            try (BufferedReader r = new BufferedReader(new InputStreamReader(next.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(r.readLine()).as(point + ": reopens and checks every released round").startsWith("CHECKED 5");
                assertThat(r.readLine()).as(point + ": a released round asked again with new bytes").isEqualTo("REFUSED 4");
                assertThat(r.readLine()).as(point + ": the recorded, unreleased round is not signed for other bytes").isEqualTo("REFUSED 5");
                assertThat(r.readLine()).as(point).startsWith("SIGNED 6 ");
            } finally {
                LibC.INSTANCE.kill((int) next.pid(), 9);
                next.waitFor(30, TimeUnit.SECONDS);
            }
            assertThat(Files.readString(d.resolve("anchor")).strip()).as(point + ": the anchor was raised at open").startsWith(SigningGuardIT.KEY + " vote 0 ");
            assertThat(Long.parseLong(Files.readString(d.resolve("anchor")).strip().split(" ")[3])).isGreaterThanOrEqualTo(6);
        }
    }

    private Process child(Path guardDir, Path released, int life, long start, long seed, String property) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // jblst (and JNA) unpack their native libraries under the temp dir and delete them at exit, which a SIGKILLed
        // JVM never reaches: each child gets this test's @TempDir, so nothing is left behind in /tmp.
        Path tmp = Files.createDirectories(dir.resolve("tmp").resolve(Integer.toString(life)));
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Djava.io.tmpdir=" + tmp, "-Djna.tmpdir=" + tmp, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData",
                // (No dynamic AppCDS archive: it needs a jar-only class path, and SIGKILLed JVMs never write one.)
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        if (property != null) {
            cmd.add(property);
        }
        cmd.addAll(List.of(GuardCrashChild.class.getName(), guardDir.toString(), released.toString(), Integer.toString(life),
                Long.toString(start), Long.toString(seed), guardDir.resolveSibling("anchor").toString()));
        return new ProcessBuilder(cmd).redirectError(dir.resolve("child.err").toFile()).start();
    }
}
