package io.backplane.hsm.bls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.bls.BlsCpu;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The key side of BLS, written once here: key generation (against the IETF draft written out independently), public
 * keys, signatures and proofs of possession, each checked with the project's one verifier (accel-kernels' BlsCpu).
 * The Ethereum {@code sign} vectors run through the guard in {@code SigningGuardIT.signaturesMatchTheOfficialBlsVectors}.
 */
class BlsTest {
    private static final long SEED = Long.getLong("backplane.seed", 0x5eedb15L);
    private static final BlsCpu VERIFIER = new BlsCpu();

    private static byte[] ikm(Random rnd) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void keyGenIsDeterministicAndRefusesShortKeyingMaterial() {
        Random rnd = new Random(SEED);
        byte[] ikm = ikm(rnd);
        assertThat(Bls.keyGen(ikm)).isEqualTo(Bls.keyGen(ikm)).hasSize(Bls.SECRET_BYTES);
        assertThat(Bls.keyGen(ikm)).isNotEqualTo(Bls.keyGen(ikm(rnd)));
        assertThatThrownBy(() -> Bls.keyGen(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
        byte[] sk = Bls.keyGen(ikm);
        byte[] msg = "vote".getBytes();
        assertThat(Bls.publicKey(sk)).hasSize(Bls.PUBLIC_KEY_BYTES);
        assertThat(Bls.sign(sk, msg)).hasSize(Bls.SIGNATURE_BYTES);
        assertThat(VERIFIER.verify(Bls.publicKey(sk), msg, Bls.sign(sk, msg))).isTrue();
        assertThat(VERIFIER.verify(Bls.publicKey(sk), "other".getBytes(), Bls.sign(sk, msg))).isFalse();
    }

    /**
     * KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3, written out with the JDK's HMAC-SHA256 (independent of blst):
     * salt = SHA-256(salt) each round, PRK = HKDF-Extract(salt, IKM || 0x00), OKM = HKDF-Expand(PRK, 0x0030, 48),
     * SK = OKM mod r, retried while zero.
     */
    private static byte[] draftKeyGen(byte[] ikm) throws Exception {
        byte[] salt = "BLS-SIG-KEYGEN-SALT-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        BigInteger sk = BigInteger.ZERO;
        while (sk.signum() == 0) {
            salt = java.security.MessageDigest.getInstance("SHA-256").digest(salt);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA256"));
            mac.update(ikm);
            byte[] prk = mac.doFinal(new byte[] {0});
            mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
            byte[] okm = new byte[48];
            byte[] t = new byte[0];
            for (int i = 1, off = 0; off < 48; i++) {
                mac.update(t);
                mac.update(new byte[] {0, 48, (byte) i});
                t = mac.doFinal();
                int len = Math.min(32, 48 - off);
                System.arraycopy(t, 0, okm, off, len);
                off += len;
            }
            sk = new BigInteger(1, okm).mod(Bls.GROUP_ORDER);
        }
        byte[] be = sk.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(32, be.length);
        System.arraycopy(be, be.length - len, out, 32 - len, len);
        return out;
    }

    @Test
    void keyGenFollowsTheIetfDraft() throws Exception {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 16; i++) {
            byte[] ikm = new byte[32 + rnd.nextInt(40)];
            rnd.nextBytes(ikm);
            assertThat(Bls.keyGen(ikm)).as("seed %d ikm %d", SEED, i).isEqualTo(draftKeyGen(ikm));
        }
    }

    @Test
    void signRefusesKeysOutsideTheScalarField() {
        byte[] r = Bls.GROUP_ORDER.toByteArray();
        byte[] r32 = Arrays.copyOfRange(r, r.length - 32, r.length);
        assertThatThrownBy(() -> Bls.sign(r32, new byte[1])).hasMessageContaining("below the group order");
        assertThatThrownBy(() -> Bls.sign(new byte[32], new byte[1])).hasMessageContaining("cannot be zero");
        assertThatThrownBy(() -> Bls.sign(new byte[31], new byte[1])).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> Bls.provePossession(new byte[32])).hasMessageContaining("cannot be zero");
        assertThatThrownBy(() -> Bls.publicKey(r32)).hasMessageContaining("below the group order");
    }

    @Test
    void proofOfPossessionVerifiesUnderThePopTagForItsOwnKeyOnly() {
        Random rnd = new Random(SEED);
        byte[] sk = Bls.keyGen(ikm(rnd));
        byte[] pk = Bls.publicKey(sk);
        byte[] proof = Bls.provePossession(sk);
        assertThat(Bls.POP_DST).isEqualTo(BlsCpu.POP_DST);
        assertThat(Bls.DST).isEqualTo(BlsCpu.DST);
        assertThat(proof).hasSize(Bls.SIGNATURE_BYTES).isEqualTo(Bls.provePossession(sk));
        assertThat(VERIFIER.verifyPossession(pk, proof)).isTrue();
        assertThat(VERIFIER.verify(pk, pk, proof)).as("not a signature over the key").isFalse();
        assertThat(VERIFIER.verifyPossession(pk, Bls.sign(sk, pk))).as("the signature tag is not the POP tag").isFalse();
        assertThat(VERIFIER.verifyPossession(Bls.publicKey(Bls.keyGen(ikm(rnd))), proof)).as("another key").isFalse();
    }
}
