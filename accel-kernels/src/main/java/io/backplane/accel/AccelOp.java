package io.backplane.accel;

import java.util.Arrays;
import java.util.List;
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
