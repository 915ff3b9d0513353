package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.audit.AuditVerifier;
import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.bls.SealedBlsKeys;
import io.backplane.hsm.guard.GuardHistoryJson;
import io.backplane.hsm.pkcs11.TokenException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keystore conformance suite over a real SoftHSM2 token: lifecycle, signing, refusals, restarts, faults. */
class KeystoreConformanceTest {
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
            assertThat(Bls.verify(pk, utf8("block 1"), vote.bytes())).isTrue();
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
            AuditVerifier.Result audit = AuditVerifier.verify(ks.audit().file(), ks.identityCertificate().orElseThrow().getPublicKey());
            assertThat(audit.problems()).isEmpty();
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
            blob = ks.exportSealedBls(id);
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
        AuditVerifier.Result ok = AuditVerifier.verify(log, identity);
        assertThat(ok.ok()).as(ok.problems().toString()).isTrue();
        assertThat(lines).anyMatch(l -> l.contains("\"event\":\"sign-refused\"")).anyMatch(l -> l.contains("\"event\":\"bls-generate\""));

        Path edited = dir.resolve("edited.log");
        List<String> e = new ArrayList<>(lines);
        e.set(5, e.get(5).replace("\"round\":\"", "\"round\":\"1"));
        Files.write(edited, e);
        assertThat(AuditVerifier.verify(edited, identity).problems()).singleElement().asString().contains("line 6").contains("edited");

        Path deleted = dir.resolve("deleted.log");
        List<String> d = new ArrayList<>(lines);
        d.remove(4);
        Files.write(deleted, d);
        assertThat(AuditVerifier.verify(deleted, identity).problems()).singleElement().asString().contains("line 5");

        Path reordered = dir.resolve("reordered.log");
        List<String> o = new ArrayList<>(lines);
        Collections.swap(o, 3, 4);
        Files.write(reordered, o);
        assertThat(AuditVerifier.verify(reordered, identity).ok()).isFalse();

        // A consistent rewrite (every hash recomputed) still fails: the checkpoints are signed by the token's key.
        Path forged = dir.resolve("forged.log");
        List<String> f = new ArrayList<>(lines);
        f.set(0, f.get(0).replace("\"seq\":0", "\"seq\":0 "));
        Files.write(forged, f);
        assertThat(AuditVerifier.verify(forged, identity).ok()).isTrue(); // whitespace is not content
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        assertThat(AuditVerifier.verify(log, g.generateKeyPair().getPublic()).problems()).singleElement().asString().contains("checkpoint signature");
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
