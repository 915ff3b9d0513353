package io.backplane.hsm.audit;

import io.backplane.hsm.guard.SigningGuard.AuditCopy;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the audit-log tests share: a log file in a temporary directory, checkpoints signed by a JDK EC key (the
 * keystore's is in the token) and the anchor in memory ({@link #anchor}{@code [0]}, which a test may roll back; the
 * keystore's is in the token).
 */
abstract class AuditLogFixture {
    @TempDir
    Path dir;
    Path file;
    KeyPair identity;
    Optional<AuditAnchor.Head>[] anchor;
    AuditAnchor memory;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void createFixture() throws Exception {
        file = dir.resolve("audit.log");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        identity = g.generateKeyPair();
        anchor = new Optional[] {Optional.empty()};
        memory = new AuditAnchor() {
            @Override
            public Optional<Head> read() {
                return anchor[0];
            }

            @Override
            public void write(Head head) {
                anchor[0] = Optional.of(head);
            }
        };
    }

    /** The log at {@link #file}, opened with the guard's copies of its unsynced entries ({@code guard}). */
    AuditLog log(List<AuditCopy> guard) {
        return new AuditLog(file, Clock.systemUTC(), 4, "identity-n", head -> {
            try {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(identity.getPrivate());
                s.update(head);
                return s.sign();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }, memory, guard);
    }

    /** The verifier's answer for the log as it is on disk, against the anchor. */
    AuditVerifier.Result verify() {
        return AuditVerifier.verify(file, identity.getPublic(), anchor[0]);
    }
}
