package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.audit.AuditVerifier;
import io.backplane.hsm.bls.SealedBlsKeys;
import io.backplane.hsm.guard.GuardHistoryJson;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import io.backplane.hsm.pkcs11.TokenException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keystore conformance suite over a real SoftHSM2 token: lifecycle, signing, refusals, restarts, faults. */
class KeystoreConformanceIT {
    /** The project's BLS verifier (the accelerator's CPU reference). */
    private static final io.backplane.accel.bls.BlsCpu BLS_CPU = new io.backplane.accel.bls.BlsCpu();

    @TempDir
    Path dir;

    Keystore.Options options(Path d, String label) {
        return new Keystore.Options(d, TestTokens.library(), label, "node1", Clock.systemUTC(), 4);
    }

    String freshToken() {
        String label = TestTokens.newToken("ks");
        try (var t = TestTokens.open(label)) {
            t.ensureKek();
        }
        return label;
    }

    Keystore open(Path d, String label) {
        return Keystore.open(options(d, label), TestTokens.TEST_PIN.toCharArray());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keyLifecycleSigningRefusalsAndRestart() throws Exception {
        String label = freshToken();
        String blsId;
        Signature vote;
        byte[] pk;
        try (Keystore ks = open(dir, label)) {
            X509Certificate cert = ks.generateIdentity();
            assertThat(Files.exists(ks.identityPem())).isTrue();
            SealedBlsKeys.BlsKeyInfo k = ks.generateBls();
            blsId = k.id();
            pk = k.publicKey();
            assertThat(pk).hasSize(48);
            assertThat(blsId).matches("bls-[0-9a-f]{16}");
            assertThat(ks.list()).extracting(Keystore.KeyInfo::id).containsExactly("identity-node1", blsId);
            assertThat(ks.list()).extracting(Keystore.KeyInfo::type).containsExactly("ec-p256", "bls12-381");

            // The sealed blob holds no clear key bytes (the key never touches the disk in clear).
            vote = ks.sign(new SigningRequest(blsId, 1, 1, SigningKind.VOTE, utf8("block 1")));
            assertThat(BLS_CPU.verify(pk, utf8("block 1"), vote.bytes())).isTrue();
            assertThat(ks.publicKey(blsId)).isEqualTo(pk);
            assertThatThrownBy(() -> ks.sign(new SigningRequest(blsId, 1, 1, SigningKind.VOTE, utf8("block 1'"))))
                    .isInstanceOf(DoubleSignRefused.class);
            assertThatThrownBy(() -> ks.sign(new SigningRequest("bls-0000000000000000", 1, 1, SigningKind.VOTE, utf8("x"))))
                    .isInstanceOf(SigningException.class).hasMessageContaining("unknown key");

            // The identity key signs through the same guard (ECDSA, verified with the certificate).
            Signature idSig = ks.sign(new SigningRequest("identity-node1", 0, 1, SigningKind.PROPOSAL, utf8("hello")));
            assertThat(verifyEcdsa(cert, utf8("hello"), idSig.bytes())).isTrue();
        }
        try (Keystore ks = open(dir, label)) {
            Signature again = ks.sign(new SigningRequest(blsId, 1, 1, SigningKind.VOTE, utf8("block 1")));
            assertThat(again.repeated()).isTrue();
            assertThat(again.bytes()).isEqualTo(vote.bytes());
            assertThatThrownBy(() -> ks.sign(new SigningRequest(blsId, 1, 1, SigningKind.VOTE, utf8("other"))))
                    .isInstanceOf(DoubleSignRefused.class);
            AuditVerifier.Result audit = AuditVerifier.verify(ks.audit().file(), ks.identityCertificate().orElseThrow().getPublicKey(), anchor(ks));
            assertThat(audit.problems()).isEmpty();
            assertThat(audit.afterAnchor()).isZero();
            assertThat(audit.checkpoints()).isPositive();
        }
    }

    @Test
    void initTokenIsIdempotentAndWritesAPinFileOnlyWithoutAnEnvironmentPin() throws Exception {
        Path softHsmDir = TestTokens.softHsm().configFile().getParent();
        String label = "init-" + Long.toString(ProcessHandle.current().pid(), 36) + "-" + Long.toString(System.nanoTime() % 100000, 36);
        Path pinFile = dir.resolve("pin");
        Keystore.InitResult first = Keystore.initToken(softHsmDir, label, null, pinFile, Clock.systemUTC());
        assertThat(first.tokenCreated()).isTrue();
        assertThat(first.kekCreated()).isTrue();
        assertThat(first.pinFileWritten()).isTrue();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pinFile))).isEqualTo("rw-------");
        Keystore.InitResult second = Keystore.initToken(softHsmDir, label, null, pinFile, Clock.systemUTC());
        assertThat(second.tokenCreated() || second.kekCreated() || second.pinFileWritten()).isFalse();
        char[] pin = io.backplane.hsm.pkcs11.Pins.read(java.util.Map.of(), pinFile);
        try (Keystore ks = Keystore.open(options(dir.resolve("ks"), label), pin)) {
            assertThat(ks.list()).isEmpty();
        }

        String envLabel = label + "e";
        Path noPinFile = dir.resolve("no-pin");
        Keystore.InitResult env = Keystore.initToken(softHsmDir, envLabel, "pin-from-env".toCharArray(), noPinFile, Clock.systemUTC());
        assertThat(env.tokenCreated()).isTrue();
        assertThat(env.pinFileWritten()).isFalse();
        assertThat(Files.exists(noPinFile)).isFalse();
        try (Keystore ks = Keystore.open(options(dir.resolve("ks-env"), envLabel), "pin-from-env".toCharArray())) {
            assertThat(ks.generateBls().publicKey()).hasSize(48);
        }
        io.backplane.hsm.pkcs11.SoftHsm soft = new io.backplane.hsm.pkcs11.SoftHsm(softHsmDir);
        // Without an SO PIN from the operator, the random one is kept beside the config, owner-only.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(soft.soPinFile(envLabel)))).isEqualTo("rw-------");
        // With one (BACKPLANE_HSM_SO_PIN in the CLI), nothing is written.
        String soLabel = label + "s";
        Keystore.InitResult so = Keystore.initToken(softHsmDir, soLabel, "pin-from-env".toCharArray(), noPinFile,
                "so-pin-from-env".toCharArray(), Clock.systemUTC());
        assertThat(so.tokenCreated()).isTrue();
        assertThat(soft.soPinFile(soLabel)).doesNotExist();
        try (Keystore ks = Keystore.open(options(dir.resolve("ks-so"), soLabel), "pin-from-env".toCharArray())) {
            assertThat(ks.list()).isEmpty();
        }
    }

    @Test
    void tls13HandshakeOnLoopbackSignsWithTheTokenResidentIdentityKey() throws Exception {
        String label = freshToken();
        try (Keystore ks = open(dir, label)) {
            X509Certificate cert = ks.generateIdentity();
            javax.net.ssl.SSLContext server = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            server.init(ks.tlsKeyManagerFactory().getKeyManagers(), null, null);
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("node1", cert);
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            javax.net.ssl.SSLContext client = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            client.init(null, tmf.getTrustManagers(), null);
            try (javax.net.ssl.SSLServerSocket ss = (javax.net.ssl.SSLServerSocket) server.getServerSocketFactory()
                    .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                ss.setEnabledProtocols(new String[] {"TLSv1.3"});
                var accepted = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (var s = ss.accept()) {
                        int b = s.getInputStream().read();
                        s.getOutputStream().write(b + 1);
                        s.getOutputStream().flush();
                        return b;
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                try (javax.net.ssl.SSLSocket c = (javax.net.ssl.SSLSocket) client.getSocketFactory()
                        .createSocket(java.net.InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                    c.getOutputStream().write(41);
                    c.getOutputStream().flush();
                    assertThat(c.getInputStream().read()).isEqualTo(42);
                    assertThat(c.getSession().getProtocol()).isEqualTo("TLSv1.3");
                    assertThat(c.getSession().getPeerCertificates()[0]).isEqualTo(cert);
                }
                assertThat(accepted.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(41);
            }
        }
    }

    @Test
    void importedSecretSignsLikeTheVectorsAndBadInputStoresNothing() throws Exception {
        String label = freshToken();
        try (Keystore ks = open(dir, label)) {
            byte[] sk = HexFormat.of().parseHex("47b8192d77bf871b62e87859d653922725724a5c031afeabc60bcef5ff665138");
            SealedBlsKeys.BlsKeyInfo k = ks.importBls(sk.clone());
            Signature s = ks.sign(new SigningRequest(k.id(), 0, 0, SigningKind.VOTE, new byte[32]));
            // sign_case_11b8c7cad5238946 of the official bls12-381-tests v0.1.2.
            assertThat(s.hex()).isEqualTo("b23c46be3a001c63ca711f87a005c200cc550b9429d5f4eb38d74322144f1b63926da3388979e5321012fb1a0526bcd100b5ef5fe72628ce4cd5e904aeaa3279527843fae5ca9ca675f4f51ed8f83bbf7155da9ecc9663100a885d5dc6df96d9");
            // The sealed file does not contain the secret.
            byte[] blob = Files.readAllBytes(dir.resolve("bls").resolve(k.id() + ".sealed"));
            assertThat(Collections.indexOfSubList(toList(blob), toList(sk))).isEqualTo(-1);

            assertThatThrownBy(() -> ks.importBls(new byte[32])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero");
            assertThatThrownBy(() -> ks.importBls(new byte[31])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
            assertThatThrownBy(() -> ks.importBls(sk.clone())).isInstanceOf(SigningException.class).hasMessageContaining("already exists");
            assertThatThrownBy(() -> ks.importSealedBls(utf8("garbage"))).isInstanceOf(IllegalArgumentException.class);
            assertThat(ks.list()).hasSize(1);
        }
    }

    @Test
    void exportedKeyAndGuardHistoryMoveToAnotherKeystoreOnTheSameToken() {
        String label = freshToken();
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        byte[] blob;
        String history;
        String id;
        Signature s;
        try (Keystore ks = open(a, label)) {
            id = ks.generateBls().id();
            s = ks.sign(new SigningRequest(id, 2, 9, SigningKind.PROPOSAL, utf8("p")));
            blob = ks.exportSealedBls(id, b2 -> { });
            history = GuardHistoryJson.write(ks.guard().history(id));
        }
        try (Keystore ks = open(b, label)) {
            ks.importSealedBls(blob);
            ks.guard().importHistory(GuardHistoryJson.read(history));
            assertThat(ks.sign(new SigningRequest(id, 2, 9, SigningKind.PROPOSAL, utf8("p"))).bytes()).isEqualTo(s.bytes());
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 2, 8, SigningKind.PROPOSAL, utf8("q")))).isInstanceOf(DoubleSignRefused.class);
        }
        // A blob sealed under another token's KEK does not import.
        String other = freshToken();
        try (Keystore ks = open(dir.resolve("c"), other)) {
            byte[] foreign = blob;
            assertThatThrownBy(() -> ks.importSealedBls(foreign)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not unseal");
            assertThat(ks.list()).isEmpty();
        }
    }

    @Test
    void auditVerifierDetectsEditDeletionAndReordering() throws Exception {
        String label = freshToken();
        Path log;
        java.security.PublicKey identity;
        try (Keystore ks = open(dir, label)) {
            identity = ks.generateIdentity().getPublicKey();
            String id = ks.generateBls().id();
            for (int r = 0; r < 10; r++) {
                ks.sign(new SigningRequest(id, 0, r, SigningKind.VOTE, utf8("v" + r)));
            }
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 0, 3, SigningKind.VOTE, utf8("x")))).isInstanceOf(DoubleSignRefused.class);
            log = ks.audit().file();
        }
        List<String> lines = Files.readAllLines(log);
        Optional<AuditAnchor.Head> anchor = anchor(label);
        AuditVerifier.Result ok = AuditVerifier.verify(log, identity, anchor);
        assertThat(ok.ok()).as(ok.problems().toString()).isTrue();
        assertThat(lines).anyMatch(l -> l.contains("\"event\":\"sign-refused\"")).anyMatch(l -> l.contains("\"event\":\"bls-generate\""));

        Path edited = dir.resolve("edited.log");
        List<String> e = new ArrayList<>(lines);
        e.set(5, e.get(5).replace("\"round\":\"", "\"round\":\"1"));
        Files.write(edited, e);
        assertThat(AuditVerifier.verify(edited, identity, anchor).problems()).singleElement().asString().contains("line 6").contains("edited");

        Path deleted = dir.resolve("deleted.log");
        List<String> d = new ArrayList<>(lines);
        d.remove(4);
        Files.write(deleted, d);
        assertThat(AuditVerifier.verify(deleted, identity, anchor).problems()).singleElement().asString().contains("line 5");

        Path reordered = dir.resolve("reordered.log");
        List<String> o = new ArrayList<>(lines);
        Collections.swap(o, 3, 4);
        Files.write(reordered, o);
        assertThat(AuditVerifier.verify(reordered, identity, anchor).ok()).isFalse();

        // A consistent rewrite (every hash recomputed) still fails: the checkpoints are signed by the token's key.
        Path forged = dir.resolve("forged.log");
        List<String> f = new ArrayList<>(lines);
        f.set(0, f.get(0).replace("\"seq\":0", "\"seq\":0 "));
        Files.write(forged, f);
        assertThat(AuditVerifier.verify(forged, identity, anchor).ok()).isTrue(); // whitespace is not content
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        assertThat(AuditVerifier.verify(log, g.generateKeyPair().getPublic(), anchor).problems()).singleElement().asString().contains("checkpoint signature");
    }

    static Optional<AuditAnchor.Head> anchor(Keystore ks) {
        return Keystore.auditAnchor(ks.token(), "node1").read();
    }

    static Optional<AuditAnchor.Head> anchor(String label) {
        try (Pkcs11Token t = TestTokens.open(label)) {
            return Keystore.auditAnchor(t, "node1").read();
        }
    }

    static int lastIndexOfEvent(List<String> lines, String event) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains("\"event\":\"" + event + "\"")) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The tail of the log is anchored in the token: cutting entries after the last checkpoint, cutting back to an
     * earlier checkpoint (every prefix ending at a checkpoint verifies on its own), emptying or deleting the file and
     * putting back an older copy are all detected, by the verifier and by the keystore at its next open.
     */
    @Test
    void aDeletedTailATruncationAndAnOlderCopyAreDetectedThroughTheTokenAnchor() throws Exception {
        String label = freshToken();
        Path log;
        java.security.PublicKey identity;
        List<String> older;
        Optional<AuditAnchor.Head> midAnchor;
        List<String> open;
        Optional<AuditAnchor.Head> openAnchor;
        String id;
        try (Keystore ks = open(dir, label)) {
            identity = ks.generateIdentity().getPublicKey();
            id = ks.generateBls().id();
            log = ks.audit().file();
            for (int r = 0; r < 6; r++) {
                ks.sign(new SigningRequest(id, 0, r, SigningKind.VOTE, utf8("v" + r)));
            }
            older = Files.readAllLines(log);
            midAnchor = anchor(ks);
            for (int r = 6; r < 13; r++) {
                ks.sign(new SigningRequest(id, 0, r, SigningKind.VOTE, utf8("v" + r)));
            }
            // While open: entries after the last checkpoint (checkpoints every 4 entries), anchored in the token.
            open = Files.readAllLines(log);
            openAnchor = anchor(ks);
        }
        assertThat(midAnchor.orElseThrow().seq()).isEqualTo(older.size() - 1);
        assertThat(openAnchor.orElseThrow().seq()).isEqualTo(open.size() - 1);
        int lastCheckpoint = lastIndexOfEvent(open, AuditLog.CHECKPOINT);
        assertThat(open.size() - 1 - lastCheckpoint).as("entries after the last checkpoint").isBetween(1, 3);
        AuditVerifier.Result whole = AuditVerifier.verify(writeLines("open.log", open), identity, openAnchor);
        assertThat(whole.ok()).as(whole.problems().toString()).isTrue();
        assertThat(whole.afterAnchor()).isZero();

        // Entries only (the unsigned stretch after the last checkpoint): the chain alone cannot tell, the anchor does.
        AuditVerifier.Result entriesOnly = AuditVerifier.verify(writeLines("entries.log", open.subList(0, lastCheckpoint + 1)), identity, openAnchor);
        assertThat(entriesOnly.ok()).isFalse();
        assertThat(entriesOnly.problems()).singleElement().asString().contains("deleted from the end").contains("anchor is at seq " + (open.size() - 1));
        assertThat(entriesOnly.checkpoints()).isPositive(); // the prefix itself is a well-formed, signed log

        // Entries and their checkpoint: the log now ends at an earlier checkpoint.
        List<String> closed = Files.readAllLines(log);
        Optional<AuditAnchor.Head> closedAnchor = anchor(label);
        assertThat(closedAnchor.orElseThrow().seq()).isEqualTo(closed.size() - 1);
        int previousCheckpoint = lastIndexOfEvent(closed.subList(0, closed.size() - 1), AuditLog.CHECKPOINT);
        assertThat(closed.get(closed.size() - 1)).contains("\"event\":\"checkpoint\"");
        AuditVerifier.Result withCheckpoint = AuditVerifier.verify(writeLines("cut.log", closed.subList(0, previousCheckpoint + 1)), identity, closedAnchor);
        assertThat(withCheckpoint.problems()).singleElement().asString().contains("deleted from the end");

        // Truncated to empty, or deleted.
        assertThat(AuditVerifier.verify(writeLines("empty.log", List.of()), identity, closedAnchor).problems())
                .singleElement().asString().contains("log ends at seq -1");
        assertThat(AuditVerifier.verify(dir.resolve("no-such.log"), identity, closedAnchor).ok()).isFalse();

        // An older copy put back (a valid, signed log of its own): its head is not the anchored entry.
        AuditVerifier.Result rolledBack = AuditVerifier.verify(writeLines("older.log", older), identity, closedAnchor);
        assertThat(rolledBack.problems()).singleElement().asString().contains("deleted from the end");
        assertThat(AuditVerifier.verify(writeLines("older2.log", older), identity, midAnchor).ok()).as("it was fine when it was current").isTrue();
        // The same length with different content at the anchored sequence: another log's entry there.
        List<String> other = new ArrayList<>(open.subList(0, open.size() - 1));
        other.add(older.get(older.size() - 1).replace("\"seq\":" + (older.size() - 1), "\"seq\":" + (open.size() - 1)));
        assertThat(AuditVerifier.verify(writeLines("other.log", other), identity, openAnchor).ok()).isFalse();

        // No anchor at all (another token, or it was lost): not silently accepted.
        assertThat(AuditVerifier.verify(log, identity, Optional.empty()).problems()).singleElement().asString().contains("no audit anchor");

        // The real log rolled back under the keystore. The signatures after `older` were never fsynced in the audit log
        // (their guard records hold their bytes), so a power cut could have taken them: they are put back from the guard
        // log at open. The checkpoint written at close was fsynced, and no crash takes it: at the next open the mismatch
        // is written into the chain, so the evidence stays even though the anchor moves on; the node keeps working.
        Files.write(log, older);
        try (Keystore ks = open(dir, label)) {
            ks.sign(new SigningRequest(id, 0, 20, SigningKind.VOTE, utf8("after")));
        }
        List<String> after = Files.readAllLines(log);
        assertThat(after.subList(0, open.size())).as("the unsynced signatures, rebuilt byte for byte").isEqualTo(open);
        assertThat(after.get(open.size())).contains("\"event\":\"" + AuditLog.ANCHOR_MISMATCH + "\"")
                .contains("\"anchorSeq\":\"" + closedAnchor.orElseThrow().seq() + "\"");
        assertThat(after.get(open.size() + 1)).contains("\"event\":\"" + AuditLog.REBUILT + "\"");
        AuditVerifier.Result reopened = AuditVerifier.verify(log, identity, anchor(label));
        assertThat(reopened.problems()).singleElement().asString().contains("line " + (open.size() + 1)).contains("were deleted");

        // Rolled back past an fsynced entry (the checkpoint at close): a power cut never takes that, so nothing is put
        // back from the guard log, and the mismatch is recorded right after the older copy's end.
        List<String> beforeSecond = Files.readAllLines(log);
        Optional<AuditAnchor.Head> secondAnchor = anchor(label);
        Files.write(log, older);
        try (Keystore ks = open(dir, label)) {
            assertThat(ks.guard().refusal()).isEmpty();
        }
        List<String> again = Files.readAllLines(log);
        assertThat(again.get(older.size())).contains("\"event\":\"" + AuditLog.ANCHOR_MISMATCH + "\"")
                .contains("\"anchorSeq\":\"" + secondAnchor.orElseThrow().seq() + "\"");
        assertThat(again).noneMatch(l -> l.contains("\"event\":\"" + AuditLog.REBUILT + "\"") && again.indexOf(l) >= older.size());
        assertThat(beforeSecond.size()).isGreaterThan(older.size());
    }

    /** A crash between the log's fsync and the anchor's update leaves the log ahead: accepted at open, and noted. */
    @Test
    void aLogAheadOfItsAnchorIsTheCrashWindowAndIsReanchoredAtOpen() throws Exception {
        String label = freshToken();
        java.security.PublicKey identity;
        AuditAnchor.Head early;
        try (Keystore ks = open(dir, label)) {
            identity = ks.generateIdentity().getPublicKey();
            early = anchor(ks).orElseThrow();
            ks.generateBls();
        }
        try (Pkcs11Token t = TestTokens.open(label)) {
            Keystore.auditAnchor(t, "node1").write(early); // as if the anchor's last writes were lost
        }
        Path log = dir.resolve("audit").resolve("audit.log");
        long before = Files.readAllLines(log).size();
        AuditVerifier.Result behind = AuditVerifier.verify(log, identity, Optional.of(early));
        assertThat(behind.ok()).isTrue();
        assertThat(behind.afterAnchor()).isEqualTo(before - 1 - early.seq());
        try (Keystore ks = open(dir, label)) {
            assertThat(anchor(ks).orElseThrow().seq()).isEqualTo(before);
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.get((int) before)).contains(AuditLog.ANCHOR_ADVANCED);
        AuditVerifier.Result ok = AuditVerifier.verify(log, identity, anchor(label));
        assertThat(ok.ok()).as(ok.problems().toString()).isTrue();
    }

    /** A guard-history import and a signature attempt that yields no signature (unknown key) are audited. */
    @Test
    void guardImportAndAFailedSignatureAreAudited() throws Exception {
        String label = freshToken();
        try (Keystore ks = open(dir, label)) {
            java.security.PublicKey identity = ks.generateIdentity().getPublicKey();
            String id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 2, 5, SigningKind.VOTE, utf8("v")));
            String history = GuardHistoryJson.write(ks.guard().history(id)).replace("\"round\" : 5", "\"round\" : 9").replace("\"round\":5", "\"round\":9");
            assertThat(history).contains("9");
            var r = ks.importGuardHistory(GuardHistoryJson.read(history), "test");
            assertThat(r.watermarksRaised()).isEqualTo(1);
            assertThatThrownBy(() -> ks.sign(new SigningRequest("bls-00000000deadbeef", 0, 1, SigningKind.VOTE, utf8("x"))))
                    .isInstanceOf(SigningException.class).hasMessageContaining("unknown key");
            List<String> lines = Files.readAllLines(ks.audit().file());
            assertThat(lines).filteredOn(l -> l.contains("\"event\":\"guard-import\""))
                    .singleElement().asString().contains("\"watermarksRaised\":\"1\"").contains("\"keys\":\"" + id + "\"");
            assertThat(lines).filteredOn(l -> l.contains("\"event\":\"sign-failed\""))
                    .singleElement().asString().contains("bls-00000000deadbeef").contains("unknown key");
            AuditVerifier.Result v = AuditVerifier.verify(ks.audit().file(), identity, anchor(ks));
            assertThat(v.ok()).as(v.problems().toString()).isTrue();
        }
    }

    Path writeLines(String name, List<String> lines) throws java.io.IOException {
        return Files.write(dir.resolve(name), lines);
    }

    /** A clock the test moves by hand (for the reopen backoff). */
    static final class ManualClock extends Clock {
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return now;
        }
    }

    @Test
    void wrongPinAndTokenDeletedUnderARunningNodeFailClearly() throws Exception {
        String label = freshToken();
        assertThatThrownBy(() -> Keystore.open(options(dir, label), "not-the-pin".toCharArray()))
                .isInstanceOf(TokenException.class).hasMessageContaining("wrong PIN").hasMessageNotContaining("not-the-pin");
        ManualClock clock = new ManualClock();
        Keystore.Options opts = new Keystore.Options(dir, TestTokens.library(), label, "node1", clock, 4);
        try (Keystore ks = Keystore.open(opts, TestTokens.TEST_PIN.toCharArray())) {
            String id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 0, 1, SigningKind.VOTE, utf8("before")));
            Path aside = dir.resolve("token-aside");
            Path tokenDir = tokenDirOf(label);
            copyTree(tokenDir, aside);
            deleteTokenFiles(label);
            // The next signature needs the token to unseal the key: it fails with a clear, retryable error and
            // nothing is recorded as signed.
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 0, 2, SigningKind.VOTE, utf8("after"))))
                    .isInstanceOfSatisfying(TokenException.class, ex -> {
                        assertThat(ex.getMessage()).contains(label).contains("no longer present");
                        assertThat(ex.retryable()).isTrue();
                    });
            // While it is gone, later calls keep failing with a retryable error naming the token.
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 0, 2, SigningKind.VOTE, utf8("after"))))
                    .isInstanceOfSatisfying(TokenException.class, ex -> assertThat(ex.retryable()).isTrue())
                    .hasMessageContaining(label);
            assertThat(ks.guard().watermark(id, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo(1L);

            // Reopening is attempted with backoff (injected clock): each attempt fails retryably while the token is
            // gone. (SoftHSM does not show a restored token directory to a process that already saw it vanish, so the
            // "token returns" path cannot be shown with SoftHSM; a removable vendor token reappears as a new slot.)
            copyTree(aside, tokenDir);
            clock.now = clock.now.plusSeconds(60);
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 0, 2, SigningKind.VOTE, utf8("after"))))
                    .isInstanceOfSatisfying(TokenException.class, ex -> assertThat(ex.retryable()).isTrue())
                    .hasMessageContaining("could not be reopened");
            assertThatThrownBy(() -> ks.sign(new SigningRequest(id, 0, 2, SigningKind.VOTE, utf8("after"))))
                    .isInstanceOfSatisfying(TokenException.class, ex -> assertThat(ex.retryable()).isTrue())
                    .hasMessageContaining("next reopen at");
            assertThat(ks.guard().watermark(id, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo(1L);
        }
    }

    static Path tokenDirOf(String label) throws Exception {
        try (Stream<Path> dirs = Files.list(TestTokens.softHsm().tokenDir())) {
            for (Path d : dirs.toList()) {
                Path obj = d.resolve("token.object");
                if (Files.exists(obj) && new String(Files.readAllBytes(obj), StandardCharsets.ISO_8859_1).contains(label)) {
                    return d;
                }
            }
        }
        throw new AssertionError("token " + label + " not found");
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    static void deleteTokenFiles(String label) throws Exception {
        Path tokens = TestTokens.softHsm().tokenDir();
        try (Stream<Path> dirs = Files.list(tokens)) {
            for (Path d : dirs.toList()) {
                Path obj = d.resolve("token.object");
                if (Files.exists(obj) && new String(Files.readAllBytes(obj), StandardCharsets.ISO_8859_1).contains(label)) {
                    try (Stream<Path> all = Files.walk(d)) {
                        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    }
                    return;
                }
            }
        }
        throw new AssertionError("token " + label + " not found under " + tokens);
    }

    static boolean verifyEcdsa(X509Certificate cert, byte[] data, byte[] sig) throws Exception {
        java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA");
        v.initVerify(cert.getPublicKey());
        v.update(data);
        return v.verify(sig);
    }

    static List<Byte> toList(byte[] b) {
        List<Byte> l = new ArrayList<>(b.length);
        for (byte x : b) {
            l.add(x);
        }
        return l;
    }
}
