package io.backplane.hsm.bls;

import io.backplane.hsm.guard.RawSigner;
import io.backplane.hsm.SigningException;
import java.util.Arrays;
import supranational.blst.P1;
import supranational.blst.P2;
import supranational.blst.SecretKey;

/**
 * BLS12-381 signatures of the Ethereum ciphersuite ({@value #DST}: public keys in G1, signatures in G2) through
 * jblst: the key side, written once in the project (key generation, public-key derivation, signing, proving
 * possession). Verification, proof-of-possession verification and aggregation are accel-kernels'
 * {@code io.backplane.accel.bls.BlsCpu}, the accelerator's CPU reference. This module does not depend on it (only its
 * tests do, to check what is signed here): nothing here needs to verify, since a sealed key is checked by deriving its
 * public key again from the secret, never against a signature. Secret keys are 32-byte big-endian scalars; callers
 * zero them after use.
 */
public final class Bls {
    /** Domain separation tag of the proof-of-possession ciphersuite Ethereum uses. */
    public static final String DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /** Domain separation tag of proofs of possession in that ciphersuite (IETF BLS draft, PopProve / PopVerify). */
    public static final String POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    public static final int SECRET_BYTES = 32;
    public static final int PUBLIC_KEY_BYTES = 48;
    public static final int SIGNATURE_BYTES = 96;

    private Bls() {
    }

    /** Derives a secret key from at least 32 bytes of input keying material (blst keygen, IETF KeyGen). */
    public static byte[] keyGen(byte[] ikm) {
        if (ikm.length < 32) {
            throw new IllegalArgumentException("BLS key generation needs at least 32 bytes of keying material");
        }
        SecretKey sk = new SecretKey();
        sk.keygen(ikm);
        byte[] out = sk.to_bendian();
        sk.from_bendian(new byte[SECRET_BYTES]);
        return out;
    }

    /** r, the order of the BLS12-381 groups: a secret scalar must be below it. */
    static final java.math.BigInteger GROUP_ORDER =
            new java.math.BigInteger("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16);

    /** Checks that {@code secret} is a valid non-zero scalar; throws a clear error otherwise. */
    public static void checkSecret(byte[] secret) {
        if (secret.length != SECRET_BYTES) {
            throw new IllegalArgumentException("a BLS secret key is 32 bytes, got " + secret.length);
        }
        if (Arrays.equals(secret, new byte[SECRET_BYTES])) {
            throw new IllegalArgumentException("a BLS secret key cannot be zero");
        }
        if (new java.math.BigInteger(1, secret).compareTo(GROUP_ORDER) >= 0) {
            throw new IllegalArgumentException("a BLS secret key must be below the group order");
        }
    }

    /** The 48-byte compressed G1 public key of {@code secret}. */
    public static byte[] publicKey(byte[] secret) {
        SecretKey sk = load(secret);
        try {
            return new P1(sk).compress();
        } finally {
            sk.from_bendian(new byte[SECRET_BYTES]);
        }
    }

    /** The 96-byte compressed G2 signature of exactly {@code message}. */
    public static byte[] sign(byte[] secret, byte[] message) {
        return signUnder(secret, message, DST);
    }

    /** {@code PopProve(SK)}: the 96-byte signature over the key's own compressed public key under {@link #POP_DST}. */
    public static byte[] provePossession(byte[] secret) {
        return signUnder(secret, publicKey(secret), POP_DST);
    }

    private static byte[] signUnder(byte[] secret, byte[] message, String dst) {
        SecretKey sk = load(secret);
        try {
            return new P2().hash_to(message, dst, new byte[0]).sign_with(sk).compress();
        } finally {
            sk.from_bendian(new byte[SECRET_BYTES]);
        }
    }

    private static SecretKey load(byte[] secret) {
        checkSecret(secret);
        SecretKey sk = new SecretKey();
        sk.from_bendian(secret);
        return sk;
    }

    /**
     * A raw signer over one BLS key held in memory, for tests and simulations of the guard only. Production keys are
     * sealed by the token ({@link SealedBlsKeys}) and are clear only for the one signature.
     */
    public static RawSigner inMemory(String keyId, byte[] secret) {
        byte[] sk = secret.clone();
        byte[] pk = publicKey(sk);
        return new RawSigner() {
            @Override
            public byte[] sign(String id, byte[] message) {
                if (!keyId.equals(id)) {
                    throw new SigningException("unknown key '" + id + "'", false);
                }
                return Bls.sign(sk, message);
            }

            @Override
            public byte[] publicKey(String id) {
                if (!keyId.equals(id)) {
                    throw new SigningException("unknown key '" + id + "'", false);
                }
                return pk.clone();
            }
        };
    }
}
