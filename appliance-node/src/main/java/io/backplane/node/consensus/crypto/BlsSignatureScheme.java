package io.backplane.node.consensus.crypto;

import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsEncodingException;
import io.backplane.accel.bls.BlsPublicKey;
import io.backplane.accel.bls.BlsSignature;
import io.backplane.hsm.bls.Bls;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Real BLS12-381, Ethereum ciphersuite {@value #DST} (public keys in G1, 48 bytes compressed; signatures in G2, 96
 * bytes), with no BLS code of its own: key generation, signing and {@code PopProve} are hsm-keystore's {@link Bls}
 * (beside the keys), verification, {@code PopVerify} and aggregation accel-kernels' {@link BlsCpu}. Public keys are
 * decoded and validated ({@code KeyValidate}) once per validator set; signatures are subgroup-checked on every decode.
 * Every key enters a validator set only with a verified proof of possession ({@code PopVerify} of the IETF BLS draft
 * with the Ethereum ciphersuite's POP tag {@value #POP_DST}): that is what makes fast-aggregate-verify of a QC safe
 * against rogue keys, and aggregate-verify of a TC safe with repeated messages. This is the CPU reference; {@link AcceleratedBls} gives the same answers through the {@code Accelerator}.
 */
public final class BlsSignatureScheme implements SignatureScheme {
    public static final String DST = BlsCpu.DST;
    /** The proof-of-possession tag of the same ciphersuite (IETF BLS draft §4.2.3, as Ethereum uses it). */
    public static final String POP_DST = BlsCpu.POP_DST;
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
        return new BlsSecret(Bls.keyGen(ikm));
    }

    /** A key from its 32-byte big-endian scalar (as in the Ethereum test vectors). */
    public static SecretSigner keyFromScalar(byte[] bigEndian) {
        Bls.checkSecret(bigEndian); // validates the scalar (32 bytes, in [1, r-1]) now, not at the first signature
        return new BlsSecret(bigEndian.clone());
    }

    @Override
    public QuorumCrypto forValidators(ValidatorSet validators) {
        BlsPublicKey[] keys = new BlsPublicKey[validators.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = admit(validators, i);
        }
        return new Quorum(keys);
    }

    /**
     * The set's keys decoded and validated WITHOUT proofs of possession: only for the Ethereum vectors' keys in tests
     * (no secret keys, so no proofs). A node and the simulation never form a set this way (the HSM runs take their
     * proofs from the token).
     */
    public static QuorumCrypto forValidatorsWithoutPossessionCheck(ValidatorSet validators) {
        BlsPublicKey[] keys = new BlsPublicKey[validators.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = decodePublicKey(validators.get(i).publicKey(), i);
        }
        return new Quorum(keys);
    }

    /** Validator {@code i}'s key, decoded and validated, once its proof of possession verified. */
    static BlsPublicKey admit(ValidatorSet validators, int i) {
        BlsPublicKey pk = decodePublicKey(validators.get(i).publicKey(), i);
        BlsSignature proof = decodeSignature(validators.get(i).proofOfPossession());
        if (proof == null || !BLS.verifyPossession(pk, proof)) {
            throw new IllegalArgumentException("validator " + i + ": proof of possession does not verify for its BLS public key"
                    + " (" + POP_DST + ")");
        }
        return pk;
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
            return Bls.publicKey(sk);
        }

        @Override
        public byte[] sign(byte[] message) {
            return Bls.sign(sk, message);
        }

        @Override
        public byte[] proofOfPossession() {
            return Bls.provePossession(sk);
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
