package io.backplane.accel.bls;

import java.math.BigInteger;
import supranational.blst.P1;
import supranational.blst.P2;
import supranational.blst.SecretKey;

/**
 * Test inputs only: keys and signatures for the verification and aggregation tests of this module. The project's
 * signer is hsm-keystore's {@code io.backplane.hsm.bls.Bls} (beside the keys), which accel-kernels cannot depend on
 * (hsm-keystore's tests depend on accel-kernels for verification, and the graph stays acyclic), so these tests make
 * their triples here; {@code BlsOfficialVectorsTest} holds this fixture to the Ethereum {@code sign} vectors, as
 * hsm-keystore's {@code BlsTest} holds {@code Bls}. Never used outside this module's tests.
 */
public final class BlsTestKeys {
    /** The order r of G1 and G2. */
    static final BigInteger R = new BigInteger("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16);

    private BlsTestKeys() {
    }

    /** blst's {@code KeyGen(IKM)}, at least 32 bytes of keying material. */
    public static byte[] keyGen(byte[] ikm) {
        SecretKey sk = new SecretKey();
        sk.keygen(ikm);
        return sk.to_bendian();
    }

    /** {@code SkToPk}. */
    public static byte[] publicKey(byte[] secretKey) {
        return new P1(secret(secretKey)).compress();
    }

    /** {@code Sign(SK, message)} under {@link BlsCpu#DST}; throws {@link IllegalArgumentException} for a scalar outside [1, r-1]. */
    public static byte[] sign(byte[] secretKey, byte[] message) {
        return sign(secretKey, message, BlsCpu.DST);
    }

    /** A signature under another tag ({@link BlsCpu#POP_DST}: a proof of possession when {@code message} is the key). */
    static byte[] sign(byte[] secretKey, byte[] message, String dst) {
        return new P2().hash_to(message, dst).sign_with(secret(secretKey)).compress();
    }

    private static SecretKey secret(byte[] secretKey) {
        BigInteger v = new BigInteger(1, secretKey);
        if (secretKey.length != 32 || v.signum() == 0 || v.compareTo(R) >= 0) {
            throw new IllegalArgumentException("secret key must be 32 bytes in [1, r-1]");
        }
        SecretKey sk = new SecretKey();
        sk.from_bendian(secretKey);
        return sk;
    }
}
