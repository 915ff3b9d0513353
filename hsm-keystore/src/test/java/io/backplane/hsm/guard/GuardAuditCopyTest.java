package io.backplane.hsm.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10, item 6: a guard record may carry its signature's audit entry ({@link SigningGuard.AuditCopy}), so one
 * fsync makes both durable. The copies survive a reopen and compaction (the audit log may still need them), are read
 * without a lock for {@code audit-verify}, and are covered by the record's CRC like everything else.
 */
class GuardAuditCopyTest {
    @TempDir
    Path dir;

    static SigningRequest vote(long round) {
        return new SigningRequest("bls-a", 1, round, SigningKind.VOTE, ("v" + round).getBytes(StandardCharsets.UTF_8));
    }

    static SigningGuard.AuditCopy copy(long round) {
        return new SigningGuard.AuditCopy(100 * round + 40, 40, ("{\"seq\":" + round + "}\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void copiesSurviveReopenAndCompactionAndAreReadWithoutALock() {
        Path g = dir.resolve("g");
        try (SigningGuard guard = SigningGuard.open(g)) {
            for (long r = 1; r <= 5; r++) {
                guard.record(vote(r), SigningGuard.sha256(vote(r).bytes()), new byte[] {(byte) r}, r == 3 ? null : copy(r));
            }
            assertThat(guard.auditCopies()).extracting(SigningGuard.AuditCopy::offset).containsExactly(140L, 240L, 440L, 540L);
        }
        List<SigningGuard.AuditCopy> read = SigningGuard.readAuditCopies(g);
        assertThat(read).hasSize(4);
        assertThat(read.get(2).bytes()).isEqualTo(copy(4).bytes());
        assertThat(read.get(2).synced()).isEqualTo(40);
        // Compaction at open (threshold 0: always) rewrites the log from memory: the copies stay.
        try (SigningGuard guard = SigningGuard.open(g, 0)) {
            assertThat(guard.auditCopies()).extracting(SigningGuard.AuditCopy::offset).containsExactly(140L, 240L, 440L, 540L);
            assertThat(guard.check(vote(4), SigningGuard.sha256(vote(4).bytes()))).isInstanceOf(SigningGuard.Repeat.class);
        }
        try (SigningGuard guard = SigningGuard.open(g)) {
            assertThat(guard.auditCopies()).hasSize(4);
            assertThat(guard.auditCopies().get(3).bytes()).isEqualTo(copy(5).bytes());
        }
    }

    @Test
    void aFlippedBitInACopyIsDamageLikeAnyOther() throws Exception {
        Path g = dir.resolve("g");
        try (SigningGuard guard = SigningGuard.open(g)) {
            guard.record(vote(1), SigningGuard.sha256(vote(1).bytes()), new byte[] {1}, copy(1));
            guard.record(vote(2), SigningGuard.sha256(vote(2).bytes()), new byte[] {2}, copy(2));
        }
        Path log = g.resolve("guard.log");
        byte[] intact = Files.readAllBytes(log);
        byte[] copyBytes = copy(1).bytes();
        int at = indexOf(intact, copyBytes);
        assertThat(at).isPositive();
        byte[] flipped = intact.clone();
        flipped[at + 3] ^= 1;
        Files.write(log, flipped);
        assertThatThrownBy(() -> SigningGuard.open(g)).isInstanceOf(GuardStoreException.class).hasMessageContaining("CRC32C mismatch");
        assertThat(Files.readAllBytes(log)).isEqualTo(flipped);
        assertThatThrownBy(() -> new SigningGuard.AuditCopy(10, 20, new byte[1])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SigningGuard.AuditCopy(10, 0, new byte[SigningGuard.MAX_AUDIT_COPY + 1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static int indexOf(byte[] all, byte[] part) {
        for (int i = 0; i + part.length <= all.length; i++) {
            if (Arrays.equals(all, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }
}
