package io.backplane.node.consensus.crypto;

import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsEncodingException;
import io.backplane.accel.bls.BlsPublicKey;
import io.backplane.accel.bls.BlsSignature;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Real BLS12-381, Ethereum ciphersuite {@value #DST} (public keys in G1, 48 bytes compressed; signatures in G2, 96
 * bytes), delegating to accel-kernels' {@link BlsCpu} so that the project has one BLS implementation. Public keys are
 * decoded and validated ({@code KeyValidate}) once per validator set; signatures are subgroup-checked on every decode.
 * Aggregate-verify of a TC relies on the proof-of-possession ciphersuite (keys are admitted with a PoP), so repeated
 * messages are safe. This is the CPU reference; {@link AcceleratedBls} gives the same answers through the {@code Accelerator}.
 */
public final class BlsSignatureScheme implements SignatureScheme {
    public static final String DST = BlsCpu.DST;
    static final int SIGNATURE_LENGTH = BlsSignature.SIZE;
    private static final BlsCpu BLS = new BlsCpu();

    @Override
    public String name() {
        return "bls12-381";
    }

    @Override
    public SecretSigner keyFromSeed(byte[] ikm) {
        if (ikm.length < 32) {
            throw new IllegalArgumentException("BLS key material must be at least 32 bytes, got " + ikm.length);
        }
        return new BlsSecret(BLS.keyGen(ikm));
    }

    /** A key from its 32-byte big-endian scalar (as in the Ethereum test vectors). */
    public static SecretSigner keyFromScalar(byte[] bigEndian) {
        BLS.publicKey(bigEndian); // validates the scalar (32 bytes, in [1, r-1]) now, not at the first signature
        return new BlsSecret(bigEndian.clone());
    }

    @Override
    public QuorumCrypto forValidators(ValidatorSet validators) {
        BlsPublicKey[] keys = new BlsPublicKey[validators.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = decodePublicKey(validators.get(i).publicKey(), i);
        }
        return new Quorum(keys);
    }

    static BlsPublicKey decodePublicKey(byte[] bytes, int index) {
        try {
            return BlsPublicKey.decode(bytes);
        } catch (BlsEncodingException e) {
            throw new IllegalArgumentException("validator " + index + ": BLS public key " + e.getMessage(), e);
        }
    }

    /** A signature decoded and subgroup-checked, or null when it is not one (the identity included: nobody signs it). */
    static BlsSignature decodeSignature(byte[] bytes) {
        if (bytes == null || bytes.length != SIGNATURE_LENGTH) {
            return null;
        }
        try {
            BlsSignature s = BlsSignature.decode(bytes);
            return s.isInfinity() ? null : s;
        } catch (BlsEncodingException e) {
            return null;
        }
    }

    private record BlsSecret(byte[] sk) implements SecretSigner {
        @Override
        public byte[] publicKey() {
            return BLS.publicKey(sk);
        }

        @Override
        public byte[] sign(byte[] message) {
            return BLS.sign(sk, message);
        }
    }

    private record Quorum(BlsPublicKey[] keys) implements QuorumCrypto {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            if (signer < 0 || signer >= keys.length) {
                return false;
            }
            BlsSignature sig = decodeSignature(signature);
            return sig != null && BLS.verify(keys[signer], message, sig);
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            if (signatures.isEmpty()) {
                throw new IllegalArgumentException("nothing to aggregate");
            }
            List<BlsSignature> decoded = new ArrayList<>(signatures.size());
            for (byte[] s : signatures) {
                BlsSignature p = decodeSignature(s);
                if (p == null) {
                    throw new IllegalArgumentException("not a valid BLS signature; aggregate only checked signatures");
                }
                decoded.add(p);
            }
            return BLS.aggregateValidatedSignatures(decoded).toBytes();
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            if (signers.isEmpty() || signers.length() > keys.length) {
                return false;
            }
            BlsSignature sig = decodeSignature(aggregate);
            if (sig == null) {
                return false;
            }
            List<BlsPublicKey> pks = new ArrayList<>(signers.cardinality());
            for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
                pks.add(keys[i]);
            }
            return BLS.fastAggregateVerifyValidated(pks, message, sig);
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            if (signers.length == 0 || signers.length != messages.size()) {
                return false;
            }
            List<byte[]> pks = new ArrayList<>(signers.length);
            for (int s : signers) {
                if (s < 0 || s >= keys.length) {
                    return false;
                }
                pks.add(keys[s].toBytes());
            }
            return decodeSignature(aggregate) != null && BLS.aggregateVerify(pks, messages, aggregate);
        }
    }
}
