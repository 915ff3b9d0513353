package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.Watermark;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.guard.GuardStoreException;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10 through the keystore on a real SoftHSM2 token: the guard's watermarks anchored in the token beside the
 * audit anchor, the audit trail's signatures as a second witness, refusal until guard-import restores the history,
 * and failures that change nothing (refused sealed import, failed export, damaged key files).
 */
class KeystoreHistoryIT {
    @TempDir
    Path dir;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    String freshToken() {
        String label = TestTokens.newToken("kh");
        try (var t = TestTokens.open(label)) {
            t.ensureKek();
        }
        return label;
    }

    Keystore open(Path d, String label) {
        return Keystore.open(new Keystore.Options(d, TestTokens.library(), label, "node1", Clock.systemUTC(), 4), TestTokens.TEST_PIN.toCharArray());
    }

    @Test
    void aDeletedOrRolledBackGuardLogIsRefusedAgainstTheTokenAnchorUntilGuardImportRestoresIt() throws Exception {
        String label = freshToken();
        String id;
        byte[] older;
        List<SigningGuard.KeyHistory> backup;
        Path guardLog = dir.resolve("guard").resolve("guard.log");
        try (Keystore ks = open(dir, label)) {
            assertThat(Keystore.guardAnchor(ks.token(), "node1")).as("a new home on a new token: nothing anchored").isEmpty();
            id = ks.generateBls().id();
            for (int r = 1; r <= 3; r++) {
                ks.sign(new SigningRequest(id, 1, r, SigningKind.VOTE, utf8("v" + r)));
            }
            older = Files.readAllBytes(guardLog);
            for (int r = 4; r <= 8; r++) {
                ks.sign(new SigningRequest(id, 1, r, SigningKind.VOTE, utf8("v" + r)));
            }
            backup = ks.guard().history(null);
            assertThat(Keystore.guardAnchor(ks.token(), "node1")).contains(List.of(new Watermark(id, SigningKind.VOTE, 1, 8)));
        }
        for (byte[] replacement : new byte[][] {older, new byte[0], null}) {
            if (replacement == null) {
                Files.delete(guardLog);
            } else {
                Files.write(guardLog, replacement);
            }
            try (Keystore ks = open(dir, label)) {
                assertThat(ks.list()).extracting(Keystore.KeyInfo::id).contains(id); // the rest of the keystore works
                for (long r : new long[] {2, 5, 8, 9}) {
                    assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 1, r, SigningKind.VOTE, utf8("conflicting " + r))))
                            .isInstanceOf(GuardStoreException.class).hasMessageContaining(guardLog.toString())
                            .hasMessageContaining(id + " vote needs epoch 1 round 8").hasMessageContaining("guard-import");
                }
            }
        }
        // Recovery: guard-import of the backup (never lowering) lifts the refusal; the old slots stay refused.
        try (Keystore ks = open(dir, label)) {
            ks.importGuardHistory(backup, "backup");
            assertThat(ks.guard().refusal()).isEmpty();
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 1, 5, SigningKind.VOTE, utf8("conflicting"))))
                    .isInstanceOf(DoubleSignRefused.class);
            assertThat(ks.sign(new SigningRequest(id, 1, 8, SigningKind.VOTE, utf8("v8"))).repeated()).isTrue();
            assertThat(ks.sign(new SigningRequest(id, 1, 9, SigningKind.VOTE, utf8("v9"))).repeated()).isFalse();
        }
        try (Keystore ks = open(dir, label)) {
            assertThat(ks.guard().refusal()).as("stays recovered across restarts").isEmpty();
        }
    }

    Keystore open(Path d, String label, String nodeId) {
        return Keystore.open(new Keystore.Options(d, TestTokens.library(), label, nodeId, Clock.systemUTC(), 4), TestTokens.TEST_PIN.toCharArray());
    }

    @Test
    void aHomeThatLostItsLogsIsRefusedEvenUnderAnotherNodeIdOnTheSameToken() throws Exception {
        String label = freshToken();
        String id;
        try (Keystore ks = open(dir, label)) {
            id = ks.generateBls().id();
            for (int r = 1; r <= 8; r++) {
                ks.sign(new SigningRequest(id, 1, r, SigningKind.VOTE, utf8("v" + r)));
            }
        }
        // Guard log and audit trail gone, and node.id changed: the anchor named after node1 is not the one read.
        Files.delete(dir.resolve("guard").resolve("guard.log"));
        Files.delete(dir.resolve("audit").resolve("audit.log"));
        try (Keystore ks = open(dir, label, "node2")) {
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 1, 5, SigningKind.VOTE, utf8("conflicting"))))
                    .isInstanceOf(GuardStoreException.class).hasMessageContaining(id + " vote needs epoch 1 round 8")
                    .hasMessageContaining("node1");
        }
        // A key this home does not hold is not required of it: a second home on the token with its own key starts clean.
        try (Keystore ks = open(dir.resolve("other"), label, "node3")) {
            String mine = ks.generateBls().id();
            assertThat(ks.sign(new SigningRequest(mine, 1, 1, SigningKind.VOTE, utf8("m"))).repeated()).isFalse();
        }
    }

    @Test
    void aGuardImportWhoseKeyIdTheLogCannotHoldIsRefusedAndChangesNothing() throws Exception {
        String label = freshToken();
        String id;
        try (Keystore ks = open(dir, label)) {
            id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 1, 1, SigningKind.VOTE, utf8("v1")));
            String longId = "\u00e9".repeat(200); // 200 characters, 400 UTF-8 bytes: over the log's 256-byte key id
            List<String> before = Files.readAllLines(ks.audit().file());
            byte[] log = Files.readAllBytes(dir.resolve("guard").resolve("guard.log"));
            assertThatThrownBy(() -> ks.importGuardHistory(List.of(new SigningGuard.KeyHistory(longId,
                    List.of(new Watermark(longId, SigningKind.VOTE, 1, 9)), List.of())), "crafted")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("key id");
            assertThat(Files.readAllBytes(dir.resolve("guard").resolve("guard.log"))).isEqualTo(log);
            assertThat(Files.readAllLines(ks.audit().file())).isEqualTo(before);
        }
        try (Keystore ks = open(dir, label)) {
            assertThat(ks.guard().refusal()).isEmpty();
            assertThat(ks.sign(new SigningRequest(id, 1, 2, SigningKind.VOTE, utf8("v2"))).repeated()).isFalse();
        }
    }

    @Test
    void theAuditTrailIsASecondWitnessWhenTheTokenHasNoGuardAnchorYet() throws Exception {
        String label = freshToken();
        String id;
        AuditAnchor.Head auditHead;
        try (Keystore ks = open(dir, label)) {
            id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 3, 7, SigningKind.TIMEOUT, utf8("t")));
        }
        try (Pkcs11Token t = TestTokens.open(label)) {
            // An anchor in the first format (audit head only), as a token from before guard anchors holds it.
            auditHead = Keystore.auditAnchor(t, "node1").read().orElseThrow();
            t.writeDataObject(Keystore.auditAnchorLabel("node1"), auditHead.encode());
            assertThat(Keystore.guardAnchor(t, "node1")).isEmpty();
        }
        Files.delete(dir.resolve("guard").resolve("guard.log"));
        try (Keystore ks = open(dir, label)) {
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 3, 7, SigningKind.TIMEOUT, utf8("other"))))
                    .isInstanceOf(GuardStoreException.class).hasMessageContaining("the signing audit trail")
                    .hasMessageContaining(id + " timeout needs epoch 3 round 7, the log has none");
        }
    }

    @Test
    void aRefusedSealedImportAndAFailedExportChangeNothing() throws Exception {
        String label = freshToken();
        String other = freshToken();
        byte[] blob;
        List<SigningGuard.KeyHistory> history;
        String id;
        try (Keystore ks = open(dir.resolve("a"), label)) {
            id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 1, 4, SigningKind.VOTE, utf8("v")));
            history = ks.guard().history(id);
            List<String> before = Files.readAllLines(ks.audit().file());
            assertThatThrownBy(() -> ks.exportSealedBls(id, b -> {
                throw new UncheckedIOException(new java.io.IOException("no such directory"));
            })).isInstanceOf(UncheckedIOException.class);
            assertThat(Files.readAllLines(ks.audit().file())).as("no bls-export entry for a failed export").isEqualTo(before);
            byte[][] out = new byte[1][];
            blob = ks.exportSealedBls(id, b -> out[0] = b);
            assertThat(out[0]).isEqualTo(blob);
            assertThat(Files.readAllLines(ks.audit().file())).filteredOn(l -> l.contains("\"event\":\"bls-export\"")).hasSize(1);
        }
        try (Keystore ks = open(dir.resolve("b"), other)) {
            List<String> before = Files.readAllLines(ks.audit().file());
            assertThatThrownBy(() -> ks.importSealedBls(blob, history, "import-bls test")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not unseal");
            assertThat(ks.guard().watermarks()).as("no guard history imported").isEmpty();
            assertThat(Files.readAllLines(ks.audit().file())).as("no guard-import entry").isEqualTo(before);
            assertThat(ks.list()).isEmpty();
        }
    }

    @Test
    void aTamperedOrTruncatedSealedKeyFileIsNamedAndTheOtherKeysKeepWorking() throws Exception {
        String label = freshToken();
        String a;
        String b;
        try (Keystore ks = open(dir, label)) {
            a = ks.generateBls().id();
            b = ks.generateBls().id();
        }
        Path fileA = dir.resolve("bls").resolve(a + ".sealed");
        byte[] good = Files.readAllBytes(fileA);
        byte[] tampered = good.clone();
        tampered[tampered.length - 5] ^= 1; // inside the GCM tag
        Files.write(fileA, tampered);
        try (Keystore ks = open(dir, label)) {
            assertThatThrownBy(() -> ks.sign(new SigningRequest(a, 0, 1, SigningKind.VOTE, utf8("x"))))
                    .isInstanceOfSatisfying(SigningException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining(fileA.toString()).hasMessageContaining("damaged").hasMessageNotContaining("retry");
            assertThat(ks.sign(new SigningRequest(b, 0, 1, SigningKind.VOTE, utf8("x"))).repeated()).isFalse();
        }
        long round = 2;
        for (byte[] bad : new byte[][] {java.util.Arrays.copyOf(good, good.length / 2), utf8("garbage")}) {
            Files.write(fileA, bad);
            long r = round++;
            try (Keystore ks = open(dir, label)) {
                assertThat(ks.list()).extracting(Keystore.KeyInfo::id).containsExactly(b);
                assertThat(ks.damagedKeys()).singleElement().asString().contains(fileA.toString()).contains("damaged");
                assertThatThrownBy(() -> ks.sign(new SigningRequest(a, 0, r, SigningKind.VOTE, utf8("x"))))
                        .hasMessageContaining(fileA.toString());
                assertThat(ks.sign(new SigningRequest(b, 0, r, SigningKind.VOTE, utf8("y"))).repeated()).isFalse();
            }
        }
    }
}
