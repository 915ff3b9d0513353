package io.backplane.hsm.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.audit.AuditVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10, item 6: a signing child JVM halted (as by SIGKILL) between the guard record that carries the audit entry
 * and the audit append, between the append and the audit anchor, and after the anchor (before release). Each time the
 * next open finds every released signature, and the one being made, in the audit trail (rebuilt from the guard record
 * where the append never happened), the trail verifies against its anchor, and the guard refuses the round with other
 * bytes.
 */
class AuditCrashIT {
    @TempDir
    Path dir;

    @Test
    void aKillAtEachPointOfTheOneFsyncPathLeavesAnAuditTrailThatVerifiesAndCoversTheGuard() throws Exception {
        for (String point : List.of("afterGuardRecord", "beforeAuditAnchor", "afterAuditAnchor")) {
            Path d = Files.createDirectories(dir.resolve(point));
            Process first = child(d, 0, point, 5);
            String out = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(first.exitValue()).as(point + " " + out + Files.readString(dir.resolve("child.err"))).isEqualTo(137);
            assertThat(out.lines().filter(l -> l.startsWith("SIGNED ")).count()).as(point + ": rounds 0..4 released").isEqualTo(5);

            Process next = child(d, 6, null, -1);
            String again = new String(next.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(next.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(next.exitValue()).as(point + " " + again + Files.readString(dir.resolve("child.err"))).isZero();
            assertThat(again.lines().findFirst().orElse("")).as(point + ": round 5 (recorded, never released) with other bytes").isEqualTo("REFUSED 5");

            List<String> audit = Files.readAllLines(d.resolve("audit.log"));
            List<Long> signedRounds = new ArrayList<>();
            for (String l : audit) {
                if (l.contains("\"event\":\"sign\"")) {
                    signedRounds.add(Long.parseLong(l.replaceAll(".*\"round\":\"(\\d+)\".*", "$1")));
                }
            }
            assertThat(signedRounds).as(point + ": one sign entry per recorded round, none missing, none twice")
                    .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L);
            assertThat(audit).as(point).noneMatch(l -> l.contains(AuditLog.ANCHOR_MISMATCH));
            if (point.equals("afterGuardRecord")) {
                assertThat(audit).as(point + ": the entry the append never wrote was rebuilt").anyMatch(l -> l.contains(AuditLog.REBUILT));
            }
            AuditVerifier.Result r = AuditVerifier.verify(d.resolve("audit.log"), null,
                    new AuditCrashChild.FileAuditAnchor(d.resolve("audit.anchor"), () -> "").read());
            assertThat(r.ok()).as(point + ": " + r.problems()).isTrue();
        }
    }

    private Process child(Path d, long start, String point, long round) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path tmp = Files.createDirectories(d.resolve("tmp-" + start));
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Djava.io.tmpdir=" + tmp, "-Djna.tmpdir=" + tmp, "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        if (point != null) {
            cmd.add("-Dbackplane.crash.point=" + point);
            cmd.add("-Dbackplane.crash.round=" + round);
        }
        cmd.addAll(List.of(AuditCrashChild.class.getName(), d.toString(), Long.toString(start)));
        return new ProcessBuilder(cmd).redirectError(dir.resolve("child.err").toFile()).start();
    }
}
