package io.backplane.hsm.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.hsm.guard.SigningGuard.AuditCopy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue #10, item 6: a {@code sign} entry is appended without its own fsync, its exact bytes and offset being durable
 * in the guard record ({@link AuditCopy}); at open the log puts back, byte for byte, what a power cut took from its
 * unsynced tail, and nothing else. The guard is a list of copies here (the keystore's is the guard log), the anchor is
 * in memory (the keystore's is in the token).
 */
class AuditRebuildTest extends AuditLogFixture {
    final List<AuditCopy> guard = new ArrayList<>();

    AuditLog log() {
        return log(List.copyOf(guard));
    }

    void signed(AuditLog log, long round) {
        log.appendDurably("sign", "bls-1", AuditTrailTest.sign("vote", 1, round, "aa".repeat(32)), guard::add);
    }

    @Test
    void eachSignatureIsCopiedInTheGuardRecordWithItsExactBytesAndOffset() throws Exception {
        byte[] all;
        try (AuditLog log = log()) {
            log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
            for (int r = 0; r < 6; r++) {
                signed(log, r);
            }
            all = Files.readAllBytes(file);
        }
        assertThat(guard).hasSize(6);
        long synced = guard.get(0).offset();
        for (AuditCopy c : guard) {
            assertThat(Arrays.copyOfRange(all, (int) c.offset(), (int) c.offset() + c.bytes().length)).isEqualTo(c.bytes());
            assertThat(c.synced()).as("only the fsynced bls-generate entry is known durable").isEqualTo(synced);
        }
        assertThat(new String(guard.get(2).bytes(), StandardCharsets.UTF_8)).as("a checkpoint falls due with the third signature")
                .contains("\"event\":\"sign\"").contains("\"event\":\"checkpoint\"");
        AuditVerifier.Result r = verify();
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
    }

    @Test
    void aTailLostInAPowerCutIsRebuiltByteForByteAndNoted() throws Exception {
        byte[] all = unclosed();
        Optional<AuditAnchor.Head> anchored = anchor[0];
        AuditCopy third = guard.get(2);
        // What a power cut can leave of an unsynced tail: nothing, a part, zeros (size grew, data did not).
        List<byte[]> cuts = new ArrayList<>();
        cuts.add(Arrays.copyOf(all, (int) third.offset()));
        cuts.add(Arrays.copyOf(all, (int) third.offset() + 17));
        byte[] zeros = all.clone();
        Arrays.fill(zeros, (int) third.offset(), zeros.length, (byte) 0);
        cuts.add(zeros);
        byte[] hole = all.clone(); // the third copy's page lost, a later one kept
        Arrays.fill(hole, (int) third.offset(), (int) third.offset() + third.bytes().length, (byte) 0);
        cuts.add(hole);
        for (byte[] cut : cuts) {
            Files.write(file, cut);
            anchor[0] = anchored;
            try (AuditLog log = log()) {
                byte[] now = Files.readAllBytes(file);
                assertThat(Arrays.copyOf(now, all.length)).as("rebuilt from the guard's copies").isEqualTo(all);
                String rest = new String(now, all.length, now.length - all.length, StandardCharsets.UTF_8);
                assertThat(rest).contains("\"event\":\"" + AuditLog.REBUILT + "\"").contains("\"offset\":\"" + third.offset() + "\"")
                        .contains("\"entries\":\"4\"").doesNotContain(AuditLog.ANCHOR_MISMATCH);
                signed(log, 100 + cuts.indexOf(cut));
            }
            AuditVerifier.Result r = verify();
            assertThat(r.ok()).as(r.problems().toString()).isTrue();
            guard.removeIf(c -> c.offset() >= all.length); // back to the first run's copies for the next cut
        }
    }

    /** Six signatures whose log is left unclosed (no checkpoint at close: a power cut does not close). */
    byte[] unclosed() throws Exception {
        AuditLog log = log();
        log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
        for (int r = 0; r < 6; r++) {
            signed(log, r);
        }
        byte[] all = Files.readAllBytes(file);
        return all;
    }

    @Test
    void aCopyOfAnotherLogAtTheNextOffsetIsNotFollowed() throws Exception {
        byte[] all = unclosed();
        Optional<AuditAnchor.Head> anchored = anchor[0];
        AuditCopy third = guard.get(2);
        AuditCopy fourth = guard.get(3);
        // Another log's entry at the offset where the fourth copy goes (its prev is not the third copy's hash); listed
        // first among the copies at that offset.
        String foreign = new String(fourth.bytes(), StandardCharsets.UTF_8).replaceFirst("\"prev\":\"[0-9a-f]{64}\"", "\"prev\":\"" + "ab".repeat(32) + "\"");
        guard.add(3, new AuditCopy(fourth.offset(), fourth.synced(), foreign.getBytes(StandardCharsets.UTF_8)));
        Files.write(file, Arrays.copyOf(all, (int) third.offset()));
        anchor[0] = anchored;
        try (AuditLog log = log()) {
            assertThat(Arrays.copyOf(Files.readAllBytes(file), all.length)).as("followed the copies that chain").isEqualTo(all);
        }
        AuditVerifier.Result r = verify();
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
    }

    @Test
    void theLogIsFsyncedAtLeastEverySyncEveryUnsyncedEntries() throws Exception {
        try (AuditLog log = log()) {
            log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
            for (int r = 0; r <= AuditLog.SYNC_EVERY; r++) {
                signed(log, r);
            }
        }
        long first = guard.get(0).synced();
        assertThat(guard.get(AuditLog.SYNC_EVERY - 1).synced()).as("unsynced so far").isEqualTo(first);
        assertThat(guard.get(AuditLog.SYNC_EVERY).synced()).as("fsynced after " + AuditLog.SYNC_EVERY + " unsynced entries")
                .isEqualTo(guard.get(AuditLog.SYNC_EVERY).offset());
    }

    @Test
    void anEntryWhoseGuardRecordFailedIsNeverWritten() throws Exception {
        try (AuditLog log = log()) {
            log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
            signed(log, 0);
            byte[] before = Files.readAllBytes(file);
            Optional<AuditAnchor.Head> anchored = anchor[0];
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.appendDurably("sign", "bls-1", AuditTrailTest.sign("vote", 1, 1, "cc".repeat(32)),
                    c -> {
                        throw new IllegalStateException("guard store full");
                    })).hasMessageContaining("guard store full");
            assertThat(Files.readAllBytes(file)).as("the audit trail never claims what the guard did not record").isEqualTo(before);
            assertThat(anchor[0]).isEqualTo(anchored);
            log.append("sign-failed", "bls-1", AuditTrailTest.sign("vote", 1, 1, "cc".repeat(32)));
        }
        AuditVerifier.Result r = verify();
        assertThat(r.ok()).as(r.problems().toString()).isTrue();
        assertThat(Files.readString(file)).doesNotContain("\"event\":\"sign\",\"keyId\":\"bls-1\",\"detail\":{\"epoch\":\"1\",\"kind\":\"vote\",\"round\":\"1\"");
    }

    @Test
    void copiesOfAnotherLogAnotherEntryInTheirPlaceOrALogCutBelowItsFsyncsAreNotRebuilt() throws Exception {
        byte[] all = unclosed();
        AuditCopy third = guard.get(2);
        // Another log (moved aside and begun anew): the copies do not chain onto its entries.
        Files.delete(file);
        anchor[0] = Optional.empty();
        try (AuditLog log = log()) {
            log.append("bls-generate", "bls-2", Map.of("publicKey", "11"));
            log.append("other", "bls-2", Map.of("pad", "x".repeat((int) third.offset())));
        }
        byte[] other = Files.readAllBytes(file);
        try (AuditLog log = log()) {
            assertThat(Arrays.copyOf(Files.readAllBytes(file), other.length)).isEqualTo(other);
            assertThat(Files.readString(file)).doesNotContain(AuditLog.REBUILT).doesNotContain("\"round\":\"2\"");
        }

        // Another complete entry where a copy belongs: no crash leaves that; the log is not rewritten.
        Files.write(file, Arrays.copyOf(all, (int) third.offset()));
        anchor[0] = Optional.empty();
        String forged = new String(third.bytes(), StandardCharsets.UTF_8).lines().findFirst().orElseThrow().replace("\"round\":\"2\"", "\"round\":\"9\"") + "\n";
        Files.writeString(file, forged, java.nio.file.StandardOpenOption.APPEND);
        byte[] edited = Files.readAllBytes(file);
        try (AuditLog log = log()) {
            assertThat(Arrays.copyOf(Files.readAllBytes(file), edited.length)).as("left as it was").isEqualTo(edited);
            assertThat(Files.readString(file)).doesNotContain(AuditLog.REBUILT);
        }

        // Cut back below what was fsynced when the last copy was made: not a power cut; left for the anchor to report.
        guard.clear();
        Files.delete(file);
        anchor[0] = Optional.empty();
        AuditLog log = log();
        log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
        signed(log, 0);
        long firstCopy = guard.get(0).offset();
        log.append("sign-refused", "bls-1", AuditTrailTest.sign("vote", 1, 0, "bb".repeat(32))); // fsynced
        signed(log, 1);
        assertThat(guard.get(1).synced()).isGreaterThan(firstCopy);
        Optional<AuditAnchor.Head> head = anchor[0];
        Files.write(file, Arrays.copyOf(Files.readAllBytes(file), (int) firstCopy));
        try (AuditLog reopened = log()) {
            String text = Files.readString(file);
            assertThat(text).doesNotContain(AuditLog.REBUILT).contains(AuditLog.ANCHOR_MISMATCH).doesNotContain("\"round\":\"1\"");
        }
        assertThat(head).isPresent();
    }
}
