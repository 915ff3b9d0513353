package io.backplane.node.consensus.crypto;

import io.backplane.node.consensus.types.ValidatorSet;
import java.util.BitSet;
import java.util.List;
import supranational.blst.BLST_ERROR;
import supranational.blst.P1;
import supranational.blst.P1_Affine;
import supranational.blst.P2;
import supranational.blst.P2_Affine;
import supranational.blst.Pairing;
import supranational.blst.SecretKey;

/**
 * Real BLS12-381 through blst (jblst), Ethereum ciphersuite {@value #DST}: public keys in G1 (48 bytes
 * compressed), signatures in G2 (96 bytes). Public keys are decoded and subgroup-checked once per validator set;
 * signatures are subgroup-checked on every decode. Aggregate-verify of a TC relies on the proof-of-possession
 * ciphersuite (keys are admitted with a PoP), so repeated messages are safe. This is the CPU reference the
 * accel-kernels backend replaces behind {@link QuorumCrypto}.
 */
public final class BlsSignatureScheme implements SignatureScheme {
    public static final String DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    static final int SIGNATURE_LENGTH = 96;

    @Override
    public String name() {
        return "bls12-381";
    }

    @Override
    public SecretSigner keyFromSeed(byte[] ikm) {
        if (ikm.length < 32) {
            throw new IllegalArgumentException("BLS key material must be at least 32 bytes, got " + ikm.length);
        }
        SecretKey sk = new SecretKey();
        sk.keygen(ikm);
        return new BlsSecret(sk);
    }

    /** A key from its 32-byte big-endian scalar (as in the Ethereum test vectors). */
    public static SecretSigner keyFromScalar(byte[] bigEndian) {
        SecretKey sk = new SecretKey();
        sk.from_bendian(bigEndian);
        return new BlsSecret(sk);
    }

    @Override
    public QuorumCrypto forValidators(ValidatorSet validators) {
        P1_Affine[] keys = new P1_Affine[validators.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = decodePublicKey(validators.get(i).publicKey(), i);
        }
        return new Quorum(keys);
    }

    static P1_Affine decodePublicKey(byte[] bytes, int index) {
        try {
            if (bytes.length != 48) {
                throw new IllegalArgumentException("is " + bytes.length + " bytes, not 48");
            }
            P1_Affine pk = new P1_Affine(bytes);
            if (pk.is_inf() || !pk.in_group()) {
                throw new IllegalArgumentException("is the identity or not in G1's subgroup");
            }
            return pk;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("validator " + index + ": BLS public key " + e.getMessage(), e);
        }
    }

    /** A signature decoded and subgroup-checked, or null when it is not one. */
    static P2_Affine decodeSignature(byte[] bytes) {
        if (bytes == null || bytes.length != SIGNATURE_LENGTH) {
            return null;
        }
        try {
            P2_Affine s = new P2_Affine(bytes);
            return s.in_group() ? s : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private record BlsSecret(SecretKey sk) implements SecretSigner {
        @Override
        public byte[] publicKey() {
            return new P1(sk).compress();
        }

        @Override
        public byte[] sign(byte[] message) {
            return new P2().hash_to(message, DST).sign_with(sk).compress();
        }
    }

    private record Quorum(P1_Affine[] keys) implements QuorumCrypto {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            if (signer < 0 || signer >= keys.length) {
                return false;
            }
            P2_Affine sig = decodeSignature(signature);
            return sig != null && sig.core_verify(keys[signer], true, message, DST) == BLST_ERROR.BLST_SUCCESS;
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            if (signatures.isEmpty()) {
                throw new IllegalArgumentException("nothing to aggregate");
            }
            P2 acc = null;
            for (byte[] s : signatures) {
                P2_Affine p = decodeSignature(s);
                if (p == null) {
                    throw new IllegalArgumentException("not a valid BLS signature; aggregate only checked signatures");
                }
                acc = acc == null ? p.to_jacobian() : acc.add(p);
            }
            return acc.compress();
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            if (signers.isEmpty() || signers.length() > keys.length) {
                return false;
            }
            P2_Affine sig = decodeSignature(aggregate);
            if (sig == null) {
                return false;
            }
            P1 acc = null;
            for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
                acc = acc == null ? keys[i].to_jacobian() : acc.add(keys[i]);
            }
            return sig.core_verify(acc.to_affine(), true, message, DST) == BLST_ERROR.BLST_SUCCESS;
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            if (signers.length == 0 || signers.length != messages.size()) {
                return false;
            }
            P2_Affine sig = decodeSignature(aggregate);
            if (sig == null) {
                return false;
            }
            Pairing ctx = new Pairing(true, DST);
            for (int i = 0; i < signers.length; i++) {
                if (signers[i] < 0 || signers[i] >= keys.length) {
                    return false;
                }
                if (ctx.aggregate(keys[signers[i]], i == 0 ? sig : null, messages.get(i)) != BLST_ERROR.BLST_SUCCESS) {
                    return false;
                }
            }
            ctx.commit();
            return ctx.finalverify();
        }
    }
}
