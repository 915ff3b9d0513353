package io.backplane.node.consensus.crypto;

import io.backplane.accel.Accelerator;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsKeySet;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsPublicKey;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The same BLS12-381 scheme as {@link BlsSignatureScheme} (same keys, same answers), with the signature work routed
 * through accel-kernels' {@link Accelerator}: QC formation is {@code bls-aggregate}, QC verification
 * {@code bls-fast-aggregate-verify-set} (over the validator set registered once), TC verification
 * {@code bls-aggregate-verify}, single signatures {@code bls-verify} and a burst of them {@code bls-batch-verify}
 * (per-signature answers). The accelerator decides CPU or device per call (thresholds, circuit breaker) and answers
 * on the CPU when the device faults, so consensus never sees a device error.
 * <p>
 * Only the {@code Accelerator} interface is used: the consensus core stays free of JOCL. The accelerator belongs to
 * the caller, who closes it. Public keys are decoded and validated ({@code KeyValidate}) once per validator set, in
 * {@link #forValidators}, and kept as a {@link BlsKeySet} (the validated points and their canonical encoding): a QC
 * check selects its signers by bitmap and costs one addition per signer and one pairing check, no key decoding;
 * signatures are checked where the accelerator's operations check them (decoding, subgroup check), plus the
 * identity, which {@link BlsSignatureScheme} refuses and the Ethereum {@code Aggregate} would accept.
 */
public final class AcceleratedBls implements SignatureScheme {
    private final Accelerator accelerator;
    private final BlsSignatureScheme keys = new BlsSignatureScheme();

    public AcceleratedBls(Accelerator accelerator) {
        this.accelerator = Objects.requireNonNull(accelerator, "accelerator");
    }

    @Override
    public String name() {
        return "bls12-381 (accelerated)";
    }

    @Override
    public SecretSigner keyFromSeed(byte[] ikm) {
        return keys.keyFromSeed(ikm);
    }

    @Override
    public QuorumCrypto forValidators(ValidatorSet validators) {
        List<BlsPublicKey> pks = new ArrayList<>(validators.size());
        for (int i = 0; i < validators.size(); i++) {
            pks.add(BlsSignatureScheme.admit(validators, i));
        }
        return new Quorum(accelerator, BlsKeySet.of(pks));
    }

    /** Length 96 and not the compressed identity (0xc0 then zeros); the rest is the accelerator's decoding. */
    static boolean plausibleSignature(byte[] s) {
        if (s == null || s.length != BlsSignatureScheme.SIGNATURE_LENGTH) {
            return false;
        }
        if (s[0] != (byte) 0xc0) {
            return true;
        }
        for (int i = 1; i < s.length; i++) {
            if (s[i] != 0) {
                return true;
            }
        }
        return false;
    }

    /** The validator set's keys, validated once, by validator index (immutable). */
    private record Quorum(Accelerator accel, BlsKeySet keys) implements QuorumCrypto {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            if (signer < 0 || signer >= keys.size() || message == null || !plausibleSignature(signature)) {
                return false;
            }
            return accel.blsVerify(new BlsSignatureSet(keys.publicKey(signer), message, signature));
        }

        @Override
        public boolean[] verifyEach(int[] signers, List<byte[]> messages, List<byte[]> signatures) {
            if (signers.length != messages.size() || signers.length != signatures.size()) {
                throw new IllegalArgumentException("verifyEach: " + signers.length + " signers, " + messages.size()
                        + " messages, " + signatures.size() + " signatures");
            }
            boolean[] out = new boolean[signers.length];
            List<BlsSignatureSet> sets = new ArrayList<>(signers.length);
            int[] at = new int[signers.length];
            for (int i = 0; i < signers.length; i++) {
                int s = signers[i];
                if (s >= 0 && s < keys.size() && messages.get(i) != null && plausibleSignature(signatures.get(i))) {
                    at[sets.size()] = i;
                    sets.add(new BlsSignatureSet(keys.publicKey(s), messages.get(i), signatures.get(i)));
                }
            }
            if (sets.size() == 1) {
                out[at[0]] = accel.blsVerify(sets.get(0));
            } else if (!sets.isEmpty()) {
                boolean[] each = accel.blsBatchVerifyEach(sets);
                for (int k = 0; k < each.length; k++) {
                    out[at[k]] = each[k];
                }
            }
            return out;
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            if (signatures.isEmpty()) {
                throw new IllegalArgumentException("nothing to aggregate");
            }
            for (byte[] s : signatures) {
                if (!plausibleSignature(s)) {
                    throw new IllegalArgumentException("not a valid BLS signature; aggregate only checked signatures");
                }
            }
            Optional<byte[]> agg = accel.blsAggregateSignatures(List.copyOf(signatures));
            return agg.orElseThrow(() -> new IllegalArgumentException(
                    "not a valid BLS signature; aggregate only checked signatures"));
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            // The op answers false itself for an empty bitmap or one beyond the set; the identity is refused here.
            if (signers == null || message == null || !plausibleSignature(aggregate)) {
                return false;
            }
            return accel.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, signers, message, aggregate));
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            if (signers.length == 0 || signers.length != messages.size() || !plausibleSignature(aggregate)) {
                return false;
            }
            List<byte[]> pks = new ArrayList<>(signers.length);
            for (int i = 0; i < signers.length; i++) {
                if (signers[i] < 0 || signers[i] >= keys.size() || messages.get(i) == null) {
                    return false;
                }
                pks.add(keys.publicKey(signers[i]));
            }
            return accel.blsAggregateVerify(new BlsAggregateVerifyInput(pks, List.copyOf(messages), aggregate));
        }
    }
}
