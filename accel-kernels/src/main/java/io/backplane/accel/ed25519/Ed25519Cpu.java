package io.backplane.accel.ed25519;

import java.util.List;
import java.util.stream.IntStream;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The CPU path and the reference for Ed25519 verification. The reference is Bouncy Castle's {@link Ed25519#verify},
 * item by item ({@link #verify}, {@link #verifyEach}); what that rule is, at the edges (BC 1.8x): R must have a
 * canonical y (below p) and decode; S must be below L; A must have a canonical y, decode, and not be one of the
 * small-order points (y in {0, 1, p-1} or one of the two order-8 y values); x = 0 with the sign bit set is
 * refused; the check is cofactored, {@code [8]([S]B - R - [k]A) = 0} with k = SHA-512(R‖A‖M) (BC evaluates
 * {@code [8]([v1·S]B - [v0]A - [v1]R)} with Pornin's half-size split {@code v0 = v1·k mod L}, which is zero exactly
 * when the prime-order part of {@code [S]B - R - [k]A} is).
 *
 * <p>{@link #verifyBatch} gives the same answers faster: from {@link #BATCH_MIN} items it runs {@link Ed25519Batch}
 * (one multi-scalar multiplication per chunk, bisection to BC singles when a chunk fails), one chunk per core.
 */
public final class Ed25519Cpu {
    /** Below this many items one thread verifies them all (measured: the fork costs more than ~16 verifies). */
    static final int PARALLEL_THRESHOLD = 32;
    /**
     * From this many items the MSM batch beats one BC verify per item on one core (measured on this 2-core VM: 1.04x at
     * 16, 1.5x at 32, about 2x from 64; see the module README).
     */
    public static final int BATCH_MIN = 24;
    /** The smallest part one core takes of a large batch (one MSM chunk). */
    static final int CHUNK_MIN = 128;

    private final Ed25519Batch batch = new Ed25519Batch();

    /** Whether one triple is valid; false for wrong lengths or null parts, never an exception. */
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        return verify(new Ed25519Item(publicKey, message, signature));
    }

    /** Whether one triple is valid. */
    public boolean verify(Ed25519Item item) {
        if (item == null || !item.wellFormed()) {
            return false;
        }
        byte[] m = item.message();
        return Ed25519.verify(item.signature(), 0, item.publicKey(), 0, m, 0, m.length);
    }

    /** One answer per item, in order: Bouncy Castle item by item, across the cores (the pre-MSM path, kept as the baseline). */
    public boolean[] verifyEach(List<Ed25519Item> items) {
        boolean[] out = new boolean[items.size()];
        IntStream range = IntStream.range(0, out.length);
        (out.length >= PARALLEL_THRESHOLD ? range.parallel() : range).forEach(i -> out[i] = verify(items.get(i)));
        return out;
    }

    /** One answer per item, in order, equal to {@link #verifyEach}'s: the MSM batch from {@link #BATCH_MIN} items. */
    public boolean[] verifyBatch(List<Ed25519Item> items) {
        int n = items.size();
        if (n < BATCH_MIN) {
            return verifyEach(items);
        }
        int chunks = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), n / CHUNK_MIN));
        if (chunks == 1) {
            return batch.verify(items);
        }
        boolean[] out = new boolean[n];
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            boolean[] part = batch.verify(items.subList(from, to));
            System.arraycopy(part, 0, out, from, part.length);
        });
        return out;
    }

    /** The batch verifier's counters (multi-scalar multiplications, BC singles), for tests and metrics. */
    public Ed25519Batch batch() {
        return batch;
    }
}
