package io.backplane.accel;

import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.vdf.Wesolowski;
import java.util.List;
import java.util.Optional;

/**
 * One way of running the batch crypto operations: the CPU reference ({@code cpu}) or an OpenCL device
 * ({@code opencl}). Every implementation must give exactly the answers of the CPU path for every input.
 *
 * <p>Adding an operation means adding a method here (implemented by every backend) and an {@link AccelOp} constant
 * that names it; the {@link Accelerator} machinery (thresholds, fallback, breaker, cross-check, metrics) is shared.
 * Implementations may be called from several threads; the OpenCL one serialises its device calls itself.
 */
public interface AccelBackend extends AutoCloseable {
    /** {@code cpu}, or {@code opencl} for a device backend. */
    String name();

    /** A human description (device name, platform) for logs and the bench report. */
    String describe();

    /** SHA-256 of each message (0 bytes to megabytes), in input order. */
    List<byte[]> sha256Batch(List<byte[]> messages);

    /** The RFC 6962 §2.1 Merkle Tree Hash of the leaves (the empty tree hashes to SHA-256 of the empty string). */
    byte[] merkleRoot(List<byte[]> leaves);

    /**
     * Wesolowski verification, one result per proof: true iff x, y and π are canonical and
     * canon(π^l · x^r mod N) == y (see {@link Wesolowski}). Malformed proofs cannot reach here: {@link VdfProof}
     * refuses them when it is built.
     */
    boolean[] vdfVerifyBatch(List<VdfProof> proofs);

    /**
     * Ed25519 verification with Bouncy Castle's acceptance rule ({@link io.backplane.accel.ed25519.Ed25519Cpu}), one
     * answer per item; malformed items (wrong lengths, nulls) are {@code false}.
     */
    boolean[] ed25519BatchVerify(List<Ed25519Item> items);

    /**
     * BLS {@code Aggregate}: every signature decoded with the G2 subgroup check, then summed; empty for an empty list
     * or any invalid signature (the vectors' {@code null}).
     */
    Optional<byte[]> blsAggregateSignatures(List<byte[]> signatures);

    /** {@code eth_aggregate_pubkeys}: every key through {@code KeyValidate}, then summed; empty as above. */
    Optional<byte[]> blsAggregatePublicKeys(List<byte[]> publicKeys);

    /** BLS {@code Verify}; false for anything that fails to decode. */
    boolean blsVerify(BlsSignatureSet set);

    /** BLS {@code FastAggregateVerify}; false for no keys or anything that fails to decode. */
    boolean blsFastAggregateVerify(BlsFastAggregateInput input);

    /**
     * BLS {@code FastAggregateVerify} over the keys of a registered {@link io.backplane.accel.bls.BlsKeySet} that the
     * input's bitmap selects (validated once, when the set was built: no decoding here); false for a bitmap that
     * selects nothing or beyond the set, or anything else {@link #blsFastAggregateVerify} answers false for.
     */
    boolean blsFastAggregateVerifySet(BlsKeySetAggregateInput input);

    /** BLS {@code AggregateVerify} (proof-of-possession scheme); false for no pairs, mismatched counts, bad input. */
    boolean blsAggregateVerify(BlsAggregateVerifyInput input);

    /**
     * BLS batch verification with per-triple answers (random linear combination, bisection of failing groups), each
     * equal to {@code Verify} of that triple.
     */
    boolean[] blsBatchVerifyEach(List<BlsSignatureSet> sets);

    /**
     * Whether this backend implements {@code op}. A device backend answers false for operations whose kernel does
     * not exist yet, and the {@link Accelerator} then runs them on the CPU without counting a fault.
     */
    default boolean supports(AccelOp<?, ?> op) {
        return true;
    }

    /**
     * Whether this backend runs on the host's own CPU cores (PoCL, a CPU OpenCL driver): it then competes with the
     * CPU path for the same cores, and measured on a 2-core machine it lost at every batch size (see the module
     * README), so the {@link Accelerator} does not route to it unless a threshold is configured explicitly.
     */
    default boolean sharesHostCpu() {
        return false;
    }

    /** Evaluation is inherently sequential: every backend runs it on the CPU. */
    default VdfOutput vdfEvaluate(byte[] x, long t) {
        return Wesolowski.evaluate(x, t);
    }

    @Override
    default void close() {
    }
}
