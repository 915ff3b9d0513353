package io.backplane.accel;

import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Item;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * One batch operation as the {@link Accelerator} sees it: how to call it on a backend, how many items a call
 * carries (compared with the CPU threshold), how to check a device answer's shape and compare it with the CPU's
 * (the cross-check). New operations are new constants here (or in the caller's own package), never a copy of the
 * dispatch machinery.
 *
 * @param name             metric label and threshold key, e.g. {@code sha256}
 * @param call             the backend method
 * @param items            batch size of an input
 * @param validate         throws {@link IllegalArgumentException} naming the bad item; runs before any backend
 * @param shapeOk          whether a device answer has the shape the input demands (else it is a device fault)
 * @param sameAnswer       whether two answers are equal (device vs CPU)
 * @param defaultThreshold batch size from which a discrete device (GPU) is tried. Not yet measured on a GPU (none was
 *                         available): starting points to replace with the crossover {@code backplane bench} prints
 *                         on the target machine. A device sharing the host CPU (PoCL) is never used by default.
 */
public record AccelOp<I, R>(String name, BiFunction<AccelBackend, I, R> call, ToIntFunction<I> items,
                            Consumer<I> validate, BiPredicate<I, R> shapeOk, BiPredicate<R, R> sameAnswer,
                            int defaultThreshold) {
    public AccelOp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(items, "items");
        Objects.requireNonNull(validate, "validate");
        Objects.requireNonNull(shapeOk, "shapeOk");
        Objects.requireNonNull(sameAnswer, "sameAnswer");
    }

    /** SHA-256 of every message. */
    public static final AccelOp<List<byte[]>, List<byte[]>> SHA256 = new AccelOp<>("sha256",
            AccelBackend::sha256Batch, List::size, in -> noNulls("messages", in),
            (in, out) -> out != null && out.size() == in.size() && out.stream().allMatch(d -> d != null && d.length == 32),
            AccelOp::sameByteArrays, 8192);

    /** RFC 6962 Merkle root. */
    public static final AccelOp<List<byte[]>, byte[]> MERKLE = new AccelOp<>("merkle",
            AccelBackend::merkleRoot, List::size, in -> noNulls("leaves", in),
            (in, out) -> out != null && out.length == 32, Arrays::equals, 8192);

    /** Wesolowski batch verification. */
    public static final AccelOp<List<VdfProof>, boolean[]> VDF_VERIFY = new AccelOp<>("vdf-verify",
            AccelBackend::vdfVerifyBatch, List::size, in -> noNulls("proofs", in),
            (in, out) -> out != null && out.length == in.size(), Arrays::equals, 16);

    /**
     * Ed25519 batch verification (Bouncy Castle's rule). Bad items answer {@code false}; only a null list is refused.
     * The cross-check demands equal answers, which includes the rule that a device "valid" is a CPU "valid".
     */
    public static final AccelOp<List<Ed25519Item>, boolean[]> ED25519_VERIFY = new AccelOp<>("ed25519-verify",
            AccelBackend::ed25519BatchVerify, List::size, in -> notNull("items", in),
            (in, out) -> out != null && out.length == in.size(), Arrays::equals, 256);

    /** BLS {@code Aggregate} of signatures (empty: invalid input); the device decodes, checks and sums signatures. */
    public static final AccelOp<List<byte[]>, Optional<byte[]>> BLS_AGGREGATE = new AccelOp<>("bls-aggregate",
            AccelBackend::blsAggregateSignatures, List::size, in -> notNull("signatures", in),
            (in, out) -> pointOrEmpty(out, 96), AccelOp::sameOptionalBytes, 1024);

    /** {@code eth_aggregate_pubkeys} (empty: invalid input); the device decodes, checks and sums keys. */
    public static final AccelOp<List<byte[]>, Optional<byte[]>> BLS_AGGREGATE_PUBKEYS = new AccelOp<>("bls-aggregate-pubkeys",
            AccelBackend::blsAggregatePublicKeys, List::size, in -> notNull("public keys", in),
            (in, out) -> pointOrEmpty(out, 48), AccelOp::sameOptionalBytes, 1024);

    /** BLS {@code Verify} of one triple. No device kernel (pairings stay on the CPU). */
    public static final AccelOp<BlsSignatureSet, Boolean> BLS_VERIFY = new AccelOp<>("bls-verify",
            AccelBackend::blsVerify, in -> 1, in -> notNull("triple", in),
            (in, out) -> out != null, Boolean::equals, Integer.MAX_VALUE);

    /**
     * BLS {@code FastAggregateVerify}; the batch size is the number of keys. The device validates and sums the keys,
     * the CPU does the one pairing check.
     */
    public static final AccelOp<BlsFastAggregateInput, Boolean> BLS_FAST_AGGREGATE_VERIFY = new AccelOp<>(
            "bls-fast-aggregate-verify", AccelBackend::blsFastAggregateVerify,
            in -> in.publicKeys() == null ? 0 : in.publicKeys().size(), in -> notNull("input", in),
            (in, out) -> out != null, Boolean::equals, 1024);

    /**
     * BLS {@code FastAggregateVerify} over a registered key set (a QC check): the batch size is the number of signers
     * the bitmap selects. The CPU adds the cached points and does one pairing check; the device adds the cached points
     * (no decoding) and the CPU does the pairing check. A hostile bitmap (empty, beyond the set) answers false.
     */
    public static final AccelOp<BlsKeySetAggregateInput, Boolean> BLS_FAST_AGGREGATE_VERIFY_SET = new AccelOp<>(
            "bls-fast-aggregate-verify-set", AccelBackend::blsFastAggregateVerifySet,
            BlsKeySetAggregateInput::signerCount, in -> notNull("input", in),
            (in, out) -> out != null, Boolean::equals, 1024);

    /** BLS {@code AggregateVerify}; the batch size is the number of pairs. No device kernel (pairings). */
    public static final AccelOp<BlsAggregateVerifyInput, Boolean> BLS_AGGREGATE_VERIFY = new AccelOp<>(
            "bls-aggregate-verify", AccelBackend::blsAggregateVerify,
            in -> in.publicKeys() == null ? 0 : in.publicKeys().size(), in -> notNull("input", in),
            (in, out) -> out != null, Boolean::equals, Integer.MAX_VALUE);

    /**
     * BLS batch verification with per-triple answers. The device decodes and computes rᵢ·pkᵢ and Σ rᵢ·sigᵢ; the
     * pairings, and the bisection of a failing batch, run on the CPU.
     */
    public static final AccelOp<List<BlsSignatureSet>, boolean[]> BLS_BATCH_VERIFY = new AccelOp<>("bls-batch-verify",
            AccelBackend::blsBatchVerifyEach, List::size, in -> notNull("triples", in),
            (in, out) -> out != null && out.length == in.size(), Arrays::equals, 1024);

    /** Every operation the engine dispatches, in a stable order. */
    public static List<AccelOp<?, ?>> all() {
        return List.of(SHA256, MERKLE, VDF_VERIFY, ED25519_VERIFY, BLS_AGGREGATE, BLS_AGGREGATE_PUBKEYS, BLS_VERIFY,
                BLS_FAST_AGGREGATE_VERIFY, BLS_FAST_AGGREGATE_VERIFY_SET, BLS_AGGREGATE_VERIFY, BLS_BATCH_VERIFY);
    }

    /**
     * Refuses only a null input: bad items inside a BLS or Ed25519 batch are answered {@code false}/empty, never an
     * exception that fails the whole batch.
     */
    public static void notNull(String what, Object in) {
        if (in == null) {
            throw new IllegalArgumentException(what + ": null");
        }
    }

    private static boolean pointOrEmpty(Optional<byte[]> out, int size) {
        return out != null && (out.isEmpty() || out.get().length == size);
    }

    private static boolean sameOptionalBytes(Optional<byte[]> a, Optional<byte[]> b) {
        return a.isPresent() == b.isPresent() && (a.isEmpty() || Arrays.equals(a.get(), b.get()));
    }

    /** Refuses a null list or a null element, naming its index. */
    public static void noNulls(String what, List<?> in) {
        if (in == null) {
            throw new IllegalArgumentException(what + ": null list");
        }
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i) == null) {
                throw new IllegalArgumentException(what + "[" + i + "]: null");
            }
        }
    }

    public static boolean sameByteArrays(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
