package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.audit.AuditVerifier;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10, item 6, over a real SoftHSM2 token: one fsync per signature. The {@code sign} entry rides in the guard
 * record; the audit log appends it unsynced. A crash between the guard record and the audit append (the entry and the
 * anchor never written), and a power cut that took the unsynced audit tail after the anchor was written, both reopen
 * with the entry rebuilt byte for byte, an audit trail that verifies, and a guard that still refuses the conflict.
 */
class KeystoreOneFsyncIT {
    @TempDir
    Path dir;

    String label;

    Keystore open() {
        return Keystore.open(new Keystore.Options(dir, TestTokens.library(), label, "node1", Clock.systemUTC(), 64),
                TestTokens.TEST_PIN.toCharArray());
    }

    static SigningRequest vote(String id, long round, String msg) {
        return new SigningRequest(id, 0, round, SigningKind.VOTE, msg.getBytes(StandardCharsets.UTF_8));
    }

    AuditAnchor.Head anchor() {
        try (Pkcs11Token t = TestTokens.open(label)) {
            return Keystore.auditAnchor(t, "node1").read().orElseThrow();
        }
    }

    @Test
    void aCrashBetweenTheGuardRecordAndTheAuditAppendIsRebuiltAtOpen() throws Exception {
        label = TestTokens.newToken("fsync");
        try (Pkcs11Token t = TestTokens.open(label)) {
            t.ensureKek();
        }
        String id;
        java.security.PublicKey identity;
        Path log;
        AuditAnchor.Head beforeLast;
        byte[] full;
        SigningGuard.AuditCopy last;
        byte[] lastSignature;
        try (Keystore ks = open()) {
            identity = ks.generateIdentity().getPublicKey();
            id = ks.generateBls().id();
            log = ks.audit().file();
            for (int r = 0; r < 5; r++) {
                ks.sign(vote(id, r, "v" + r));
            }
            beforeLast = Keystore.auditAnchor(ks.token(), "node1").read().orElseThrow();
            lastSignature = ks.sign(vote(id, 5, "v5")).bytes();
            full = Files.readAllBytes(log);
            List<SigningGuard.AuditCopy> copies = ks.guard().auditCopies();
            assertThat(copies).hasSize(6);
            last = copies.get(5);
            assertThat(Arrays.copyOfRange(full, (int) last.offset(), full.length)).as("the last entry is the guard's copy")
                    .isEqualTo(last.bytes());
            assertThat(new String(last.bytes(), StandardCharsets.UTF_8)).contains("\"event\":\"sign\"").contains("\"round\":\"5\"");
        }
        // The log as the crash left it: the guard record fsynced; the audit entry and the anchor not yet written.
        // (The checkpoint of the clean close above is dropped with it; the anchor goes back to before the signature.)
        Files.write(log, Arrays.copyOf(full, (int) last.offset()));
        try (Pkcs11Token t = TestTokens.open(label)) {
            Keystore.auditAnchor(t, "node1").write(beforeLast);
        }
        try (Keystore ks = open()) {
            byte[] now = Files.readAllBytes(log);
            assertThat(Arrays.copyOf(now, full.length)).as("rebuilt byte for byte").isEqualTo(full);
            String after = new String(now, full.length, now.length - full.length, StandardCharsets.UTF_8);
            assertThat(after).contains(AuditLog.ANCHOR_ADVANCED).contains(AuditLog.REBUILT).doesNotContain(AuditLog.ANCHOR_MISMATCH);
            assertThat(ks.guard().refusal()).isEmpty();
            var repeat = ks.sign(vote(id, 5, "v5"));
            assertThat(repeat.repeated()).isTrue();
            assertThat(repeat.bytes()).isEqualTo(lastSignature);
            assertThatThrownBy(() -> ks.sign(vote(id, 5, "other"))).isInstanceOf(DoubleSignRefused.class);
            ks.sign(vote(id, 6, "v6"));
        }
        AuditVerifier.Result v = AuditVerifier.verify(log, identity, java.util.Optional.of(anchor()));
        assertThat(v.ok()).as(v.problems().toString()).isTrue();

        // A power cut after the anchor was written: the unsynced tail (here zeros where the page did not reach the
        // disk) is behind the anchor until it is rebuilt; then the anchored entry is back and nothing is a mismatch.
        byte[] before;
        SigningGuard.AuditCopy tail;
        try (Keystore ks = open()) {
            ks.sign(vote(id, 7, "v7"));
            before = Files.readAllBytes(log);
            tail = ks.guard().auditCopies().getLast();
            // Read the anchor while open: it names the signature just written (the close adds a checkpoint).
        }
        byte[] cut = Arrays.copyOf(before, before.length);
        Arrays.fill(cut, (int) tail.offset(), cut.length, (byte) 0);
        Files.write(log, cut);
        // audit-verify before the next open: read-only, it checks the log as the rebuild will make it.
        AuditVerifier.Result waiting = AuditVerifier.verify(log, identity, java.util.Optional.of(anchor()),
                SigningGuard.readAuditCopies(dir.resolve("guard")));
        assertThat(waiting.problems()).allMatch(p -> p.contains("deleted"));
        assertThat(AuditVerifier.verify(log, identity, java.util.Optional.of(anchor())).problems()).as("without the copies: the zeros")
                .anyMatch(p -> p.contains("malformed"));
        assertThat(Files.readAllBytes(log)).isEqualTo(cut);
        try (Keystore ks = open()) {
            byte[] now = Files.readAllBytes(log);
            assertThat(Arrays.copyOfRange(now, (int) tail.offset(), (int) tail.offset() + tail.bytes().length)).isEqualTo(tail.bytes());
            assertThatThrownBy(() -> ks.sign(vote(id, 7, "other"))).isInstanceOf(DoubleSignRefused.class);
        }
        List<String> lines = Files.readAllLines(log);
        // The close checkpoint after v7 was fsynced in the real run; here it went with the zeroed tail, so the anchor
        // (at that checkpoint) is ahead of the rebuilt log: that loss is reported, the rebuilt entries are not.
        AuditVerifier.Result r = AuditVerifier.verify(log, identity, java.util.Optional.of(anchor()));
        assertThat(lines).anyMatch(l -> l.contains("\"event\":\"sign\"") && l.contains("\"round\":\"7\""));
        assertThat(r.problems()).allMatch(p -> p.contains(AuditLog.ANCHOR_MISMATCH) || p.contains("deleted"));
    }
}
