package io.backplane.hsm.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.TestTokens;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class Pkcs11TokenIT {
    @Test
    void identityKeySignsInsideTheTokenAndNeverLeavesIt() throws Exception {
        String label = TestTokens.newToken("id");
        try (Pkcs11Token token = TestTokens.open(label)) {
            X509Certificate cert = token.generateIdentity("node7");
            assertThat(cert.getSubjectX500Principal().getName()).contains("CN=node7");
            cert.verify(cert.getPublicKey());
            byte[] msg = "hello".getBytes(StandardCharsets.UTF_8);
            byte[] sig = token.signWithIdentity("node7", msg);
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(cert.getPublicKey());
            v.update(msg);
            assertThat(v.verify(sig)).isTrue();
            assertThat(token.ensureKek()).isTrue();
            assertThat(token.ensureKek()).as("idempotent").isFalse();
            // Neither key can be read out of the token through the provider.
            token.call("probe", (p, ks) -> {
                Key priv = ks.getKey("identity-node7", null);
                assertThat(priv).isInstanceOf(PrivateKey.class);
                assertThat(priv.getEncoded()).isNull();
                assertThat(ks.getKey(Pkcs11Token.KEK_ALIAS, null).getEncoded()).isNull();
                return null;
            });
            assertThatThrownBy(() -> token.generateIdentity("node7")).hasMessageContaining("already holds");
        }
        // After reopening, the keys are still there (token objects, not session objects).
        try (Pkcs11Token token = TestTokens.open(label)) {
            assertThat(token.aliases()).contains("identity-node7", Pkcs11Token.KEK_ALIAS);
            assertThat(token.identityCertificate("node7")).isPresent();
        }
        // An independent reader (OpenSC's pkcs11-tool) sees both keys as sensitive and never extractable.
        java.util.Optional<java.nio.file.Path> tool = java.util.stream.Stream.of("/usr/bin/pkcs11-tool", "/usr/local/bin/pkcs11-tool")
                .map(java.nio.file.Path::of).filter(java.nio.file.Files::isExecutable).findFirst();
        org.junit.jupiter.api.Assumptions.assumeTrue(tool.isPresent(), "OpenSC pkcs11-tool is not installed (package opensc)");
        ProcessBuilder pb = new ProcessBuilder(tool.get().toString(), "--module", TestTokens.library().toString(), "--token-label", label,
                "--login", "--pin", TestTokens.TEST_PIN, "--list-objects").redirectErrorStream(true);
        pb.environment().put(ProcessEnv.SOFTHSM2_CONF, TestTokens.softHsm().configFile().toString());
        Process proc = pb.start();
        String listing = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor()).as(listing).isZero();
        assertThat(listing).containsPattern("(?s)Private Key Object; EC.*Access: +sensitive, always sensitive, never extractable, local");
        assertThat(listing).containsPattern("(?s)Secret Key Object; AES length 32.*label: +backplane-kek.*Access: +sensitive, always sensitive, never extractable, local");
    }

    @Test
    void anOperatorCaCanCertifyTheIdentityKeyThroughACsrSignedInTheToken() throws Exception {
        String label = TestTokens.newToken("ca");
        try (Pkcs11Token token = TestTokens.open(label)) {
            X509Certificate self = token.generateIdentity("node9");
            var csr = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(token.identityCertificationRequest("node9"));
            assertThat(csr.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder().build(csr.getPublicKey()))).isTrue();
            assertThat(csr.getPublicKey().getEncoded()).isEqualTo(self.getPublicKey().getEncoded());

            // The operator CA (a software key here, test fixture) signs the request.
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            java.security.KeyPair ca = g.generateKeyPair();
            var caName = new org.bouncycastle.asn1.x500.X500Name("CN=Operator CA");
            java.util.Date from = new java.util.Date(self.getNotBefore().getTime());
            java.util.Date to = new java.util.Date(self.getNotAfter().getTime());
            X509Certificate caCert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                    new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(caName, java.math.BigInteger.ONE, from, to, caName, ca.getPublic())
                            .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
            X509Certificate leaf = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                    new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(caName, java.math.BigInteger.TWO, from, to,
                            csr.getSubject(), csr.getPublicKey())
                            .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate())));
            token.installIdentityChain("node9", new X509Certificate[] {leaf, caCert});
            assertThat(token.identityCertificate("node9")).contains(leaf);
            leaf.verify(caCert.getPublicKey());
            // The token key still signs, and its signatures verify under the CA-issued certificate.
            byte[] sig = token.signWithIdentity("node9", new byte[] {1, 2, 3});
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(leaf.getPublicKey());
            v.update(new byte[] {1, 2, 3});
            assertThat(v.verify(sig)).isTrue();
            // A certificate for another key is refused.
            assertThatThrownBy(() -> token.installIdentityChain("node9", new X509Certificate[] {caCert}))
                    .isInstanceOf(TokenException.class).hasMessageContaining("not node 'node9''s identity key");
        }
    }

    @Test
    void sealsAndUnsealsWithAesGcmInTheTokenAndRefusesOtherAssociatedData() {
        String label = TestTokens.newToken("kek");
        try (Pkcs11Token token = TestTokens.open(label)) {
            token.ensureKek();
            byte[] iv = token.random(12);
            byte[] clear = "thirty-two bytes of secret key!!".getBytes(StandardCharsets.UTF_8);
            byte[] sealed = token.seal(iv, "aad".getBytes(StandardCharsets.UTF_8), clear);
            assertThat(sealed).hasSize(clear.length + 16).isNotEqualTo(clear);
            assertThat(token.unseal(iv, "aad".getBytes(StandardCharsets.UTF_8), sealed)).isEqualTo(clear);
            // The token answers, so this is a rejected blob (not a lost token to retry).
            assertThatThrownBy(() -> token.unseal(iv, "other".getBytes(StandardCharsets.UTF_8), sealed))
                    .isInstanceOf(Pkcs11Token.SealedDataRejected.class);
            byte[] flipped = sealed.clone();
            flipped[3] ^= 1;
            assertThatThrownBy(() -> token.unseal(iv, "aad".getBytes(StandardCharsets.UTF_8), flipped))
                    .isInstanceOf(Pkcs11Token.SealedDataRejected.class);
            assertThat(token.unseal(iv, "aad".getBytes(StandardCharsets.UTF_8), sealed)).as("the token keeps working").isEqualTo(clear);
        }
    }

    @Test
    void wrongPinMissingTokenAndMissingLibraryEachSayWhat() {
        String label = TestTokens.newToken("pin");
        assertThatThrownBy(() -> Pkcs11Token.open(TestTokens.library(), label, "wrong-pin".toCharArray(), Clock.systemUTC()))
                .isInstanceOf(TokenException.class).hasMessageContaining("wrong PIN").hasMessageNotContaining("wrong-pin");
        assertThatThrownBy(() -> Pkcs11Token.open(TestTokens.library(), "no-such-token", TestTokens.TEST_PIN.toCharArray(), Clock.systemUTC()))
                .isInstanceOf(TokenException.class).hasMessageContaining("no token labelled 'no-such-token'");
        assertThatThrownBy(() -> Pkcs11Token.open(java.nio.file.Path.of("/nonexistent/libpkcs11.so"), label, TestTokens.TEST_PIN.toCharArray(), Clock.systemUTC()))
                .isInstanceOf(TokenException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aLockedTokenIsReportedAsLocked() {
        String label = TestTokens.newToken("lock");
        for (int i = 0; i < 12; i++) {
            assertThatThrownBy(() -> Pkcs11Token.open(TestTokens.library(), label, "wrong".toCharArray(), Clock.systemUTC()))
                    .isInstanceOf(TokenException.class);
        }
        boolean locked = Cryptoki.open(TestTokens.library().toString()).slots().stream()
                .anyMatch(s -> s.label().equals(label) && s.userPinLocked());
        // SoftHSM 2.6 counts failures (CKF_USER_PIN_COUNT_LOW) but never locks the user PIN; a vendor token does.
        // The mapping itself is tested without a token in pinLockedFromTheReturnValueOrTheTokenFlagsIsReportedAsLockedAndFinal.
        org.junit.jupiter.api.Assumptions.assumeTrue(locked, "this PKCS#11 library (SoftHSM) never locks the user PIN after failed logins");
        assertThatThrownBy(() -> TestTokens.open(label)).isInstanceOf(TokenException.class).hasMessageContaining("locked");
    }

    /**
     * The locked-PIN mapping, which SoftHSM cannot drive (above): the exception SunPKCS11 raises for a login answered
     * {@code CKR_PIN_LOCKED} (its {@code PKCS11Exception}, inside a {@code LoginException}, inside the key store's
     * {@code IOException}), and a slot whose token flags carry {@code CKF_USER_PIN_LOCKED}.
     */
    @Test
    void pinLockedFromTheReturnValueOrTheTokenFlagsIsReportedAsLockedAndFinal() throws Exception {
        TokenException locked = Pkcs11Token.loginFailure("tok", sunPkcs11LoginFailure(0xA4L));
        assertThat(locked).hasMessageContaining("user PIN is locked").hasMessageContaining("CKR_PIN_LOCKED");
        assertThat(locked.retryable()).isFalse();
        TokenException wrong = Pkcs11Token.loginFailure("tok", sunPkcs11LoginFailure(0xA0L));
        assertThat(wrong).hasMessageContaining("wrong PIN").hasMessageNotContaining("locked");
        assertThat(wrong.retryable()).isFalse();
        TokenException other = Pkcs11Token.loginFailure("tok", sunPkcs11LoginFailure(0x30L));
        assertThat(other).hasMessageContaining("CKR_DEVICE_ERROR").hasMessageNotContaining("locked");
        assertThat(other.retryable()).isTrue();

        Cryptoki.Slot lockedSlot = new Cryptoki.Slot(3, "tok", Cryptoki.CKF_TOKEN_INITIALIZED | Cryptoki.CKF_USER_PIN_LOCKED);
        assertThatThrownBy(() -> Pkcs11Token.refuseLocked("tok", lockedSlot)).isInstanceOf(TokenException.class)
                .hasMessageContaining("user PIN is locked (CKF_USER_PIN_LOCKED)");
        Pkcs11Token.refuseLocked("tok", new Cryptoki.Slot(3, "tok", Cryptoki.CKF_TOKEN_INITIALIZED | Cryptoki.CKF_USER_PIN_INITIALIZED));
    }

    /** What SunPKCS11's key store load throws when C_Login returns {@code ckr} (built from the JDK's own class). */
    static Exception sunPkcs11LoginFailure(long ckr) throws Exception {
        // Exported to the tests only (--add-exports in this module's argLine): production code reads the CKR name.
        Exception pkcs11 = (Exception) Class.forName("sun.security.pkcs11.wrapper.PKCS11Exception")
                .getConstructor(long.class, String.class).newInstance(ckr, null);
        javax.security.auth.login.LoginException login = new javax.security.auth.login.LoginException();
        login.initCause(pkcs11);
        return new java.io.IOException("load failed", login);
    }

    @Test
    void theRightPinStillOpensAfterFailedAttempts() {
        String label = TestTokens.newToken("retry");
        assertThatThrownBy(() -> Pkcs11Token.open(TestTokens.library(), label, "wrong".toCharArray(), Clock.systemUTC()))
                .hasMessageContaining("wrong PIN");
        try (Pkcs11Token t = TestTokens.open(label)) {
            assertThat(t.random(8)).hasSize(8);
        }
    }

    @Test
    void everyRequiredMechanismIsOfferedBySoftHsm() throws Exception {
        String label = TestTokens.newToken("mech");
        try (Pkcs11Token token = TestTokens.open(label)) {
            assertThat(Pkcs11Token.missingMechanisms(token.provider())).isEmpty();
            // A provider lacking them is reported by mechanism name.
            assertThat(Pkcs11Token.missingMechanisms(java.security.Security.getProvider("SUN")))
                    .anyMatch(m -> m.startsWith("CKM_EC_KEY_PAIR_GEN")).anyMatch(m -> m.startsWith("CKM_AES_GCM"));
        }
    }
}
