package io.backplane.accel.ed25519;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Ed25519 batch verification with per-signature answers equal to Bouncy Castle's {@link Ed25519#verify}.
 *
 * <p>Each item first goes through BC's own early refusals, in BC's order (R with y >= p, S >= L, A with y >= p or of
 * small order, R or A not on the curve, x = 0 with the sign bit set): those answer {@code false} without any
 * arithmetic. The rest are checked together with random 128-bit weights z_i in one multi-scalar multiplication,
 * cofactored like BC's single check:
 * <pre>  [8]( [Σ z_i·S_i mod L]B − Σ [z_i]R_i − Σ [z_i·k_i mod L]A_i ) = 0,   k_i = SHA-512(R_i ‖ A_i ‖ M_i) mod L</pre>
 * Every valid item makes its term vanish ([8]([S]B − R − [k]A) = 0 is exactly what BC accepts: BC evaluates it scaled
 * by a half-size v1 that is invertible mod L). An invalid one leaves a non-zero element of the prime-order subgroup,
 * which the unknown z_i cancel with probability at most 2^-128. Reducing the A and B weights mod L is harmless: the
 * difference is a multiple of L times a point whose non-prime-order part [8] removes.
 *
 * <p>Items go in chunks of {@link #CHUNK}. A chunk whose equation fails is answered item by item by Bouncy Castle
 * itself, so the bad signatures are found exactly. Bisecting instead does not pay here: the MSM costs about half a
 * single verify per item, so re-checking halves of a failing chunk costs as much as verifying it one by one. When
 * more than half of the chunks of a call fail, the rest of the call goes straight to Bouncy Castle, so a flood of
 * forgeries costs at most about what single verification costs.
 */
public final class Ed25519Batch {
    /** Items per multi-scalar multiplication (measured: 1.5-1.9x BC per core at 64-128, about 2x at 256 and up). */
    static final int CHUNK = 128;
    /** Below this many candidates in a chunk, Bouncy Castle verifies each item (the MSM does not pay yet). */
    static final int MIN_MSM = 16;
    static final BigInteger L = BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private static final byte[] BASE = java.util.HexFormat.of().parseHex("5866666666666666666666666666666666666666666666666666666666666666");
    private static final byte[] L_LE = le32(L);

    private static final ThreadLocal<MessageDigest> SHA512 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-512", e);
        }
    });
    private static final ThreadLocal<EdwardsMsm> MSM = ThreadLocal.withInitial(EdwardsMsm::new);
    private static final EdwardsMsm.Affine BASE_POINT = basePoint();

    /** Where the 128-bit weights come from; a {@link SecureRandom} in production. */
    private final Consumer<byte[]> weights;
    private final int chunk;
    private final AtomicLong multiScalarMults = new AtomicLong();
    private final AtomicLong singleVerifies = new AtomicLong();

    /** Weights from a fresh {@link SecureRandom}. */
    public Ed25519Batch() {
        this(new SecureRandom()::nextBytes);
    }

    /** Weights from {@code weights} (tests pass a seeded source; production must not). */
    Ed25519Batch(Consumer<byte[]> weights) {
        this(weights, CHUNK);
    }

    Ed25519Batch(Consumer<byte[]> weights, int chunk) {
        this.weights = weights;
        this.chunk = chunk;
    }

    /** Multi-scalar multiplications run so far (one per chunk). */
    public long multiScalarMults() {
        return multiScalarMults.get();
    }

    /** Items answered by Bouncy Castle one by one so far (small chunks, failing chunks, a call with many failures). */
    public long singleVerifies() {
        return singleVerifies.get();
    }

    /**
     * One answer per item, in order; malformed items (null, wrong lengths) are false. Runs on the calling thread, a
     * chunk of {@link #CHUNK} items at a time (decoding, one MSM, and Bouncy Castle item by item when it fails).
     */
    public boolean[] verify(List<Ed25519Item> items) {
        int n = items.size();
        boolean[] out = new boolean[n];
        int chunks = 0;
        int failed = 0;
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            // Many bad signatures (an attack, or a broken client): the MSM would fail chunk after chunk and cost its
            // time on top of the singles, so the rest goes straight to Bouncy Castle.
            if (chunks >= 2 && 2 * failed > chunks) {
                singles(items, from, to, out);
                continue;
            }
            chunks++;
            if (!chunk(items, from, to, out)) {
                failed++;
            }
        }
        return out;
    }

    /** Settles items [from, to); false when the chunk's MSM failed (then BC answered each candidate). */
    private boolean chunk(List<Ed25519Item> items, int from, int to, boolean[] out) {
        EdwardsMsm msm = MSM.get();
        int n = to - from;
        // Points: 0 is B; R_j at 1 + 2j, A_j at 2 + 2j (both negated, so the sum is all additions).
        EdwardsMsm.Affine[] points = new EdwardsMsm.Affine[1 + 2 * n];
        long[][] scalars = new long[1 + 2 * n][];
        int[] item = new int[n];
        points[0] = BASE_POINT;
        byte[] z = new byte[16 * n];
        weights.accept(z);
        MessageDigest sha = SHA512.get();
        BigInteger s = BigInteger.ZERO;
        int m = 0;
        for (int i = from; i < to; i++) {
            Ed25519Item it = items.get(i);
            if (it == null || !it.wellFormed()) {
                continue;
            }
            byte[] sig = it.signature();
            byte[] pk = it.publicKey();
            if (!canonicalY(sig, 0) || !belowL(sig, 32) || !canonicalY(pk, 0)) {
                continue;
            }
            EdwardsMsm.Affine r = new EdwardsMsm.Affine();
            EdwardsMsm.Affine a = new EdwardsMsm.Affine();
            // Decoded negated, so the equation is all additions. BC refuses a small-order A before it decodes R; the
            // order of refusals does not change an answer (every one is false).
            if (!msm.decode(pk, true, a) || msm.hasSmallOrder(a) || !msm.decode(Arrays.copyOf(sig, 32), true, r)) {
                continue;
            }
            sha.update(sig, 0, 32);
            sha.update(pk);
            sha.update(it.message());
            BigInteger k = new BigInteger(1, reverse(sha.digest())).mod(L);
            BigInteger zi = new BigInteger(1, Arrays.copyOfRange(z, 16 * m, 16 * m + 16));
            if (zi.signum() == 0) {
                zi = BigInteger.ONE;
            }
            s = s.add(zi.multiply(new BigInteger(1, reverse(Arrays.copyOfRange(sig, 32, 64)))));
            points[1 + 2 * m] = r;
            points[2 + 2 * m] = a;
            scalars[1 + 2 * m] = words(zi);
            scalars[2 + 2 * m] = words(zi.multiply(k).mod(L));
            item[m] = i;
            m++;
        }
        if (m == 0) {
            return true;
        }
        if (m < MIN_MSM) {
            for (int j = 0; j < m; j++) {
                out[item[j]] = single(items.get(item[j]));
            }
            return true;
        }
        scalars[0] = words(s.mod(L));
        int[] idx = new int[1 + 2 * m];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = j;
        }
        multiScalarMults.incrementAndGet();
        EdwardsMsm.Ext sum = msm.msm(points, scalars, idx, idx.length);
        msm.dbl(sum);
        msm.dbl(sum);
        msm.dbl(sum);
        boolean ok = msm.isNeutral(sum);
        for (int j = 0; j < m; j++) {
            out[item[j]] = ok || single(items.get(item[j]));
        }
        return ok;
    }

    private void singles(List<Ed25519Item> items, int from, int to, boolean[] out) {
        for (int i = from; i < to; i++) {
            Ed25519Item it = items.get(i);
            out[i] = it != null && it.wellFormed() && single(it);
        }
    }

    private boolean single(Ed25519Item it) {
        singleVerifies.incrementAndGet();
        return Ed25519.verify(it.signature(), 0, it.publicKey(), 0, it.message(), 0, it.message().length);
    }

    /** The low 255 bits of enc[off..off+32) read little-endian are below p (BC's checkPointVar). */
    static boolean canonicalY(byte[] enc, int off) {
        if ((enc[off + 31] & 0x7f) != 0x7f) {
            return true;
        }
        for (int i = 30; i >= 1; i--) {
            if ((enc[off + i] & 0xff) != 0xff) {
                return true;
            }
        }
        return (enc[off] & 0xff) < 0xed;
    }

    /** enc[off..off+32) read little-endian is below L (BC's Scalar25519.checkVar). */
    static boolean belowL(byte[] enc, int off) {
        for (int i = 31; i >= 0; i--) {
            int a = enc[off + i] & 0xff;
            int b = L_LE[i] & 0xff;
            if (a != b) {
                return a < b;
            }
        }
        return false;
    }

    private static byte[] reverse(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }

    private static byte[] le32(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    static long[] words(BigInteger v) {
        long[] w = new long[4];
        for (int i = 0; i < 4; i++) {
            w[i] = v.shiftRight(64 * i).longValue();
        }
        return w;
    }

    private static EdwardsMsm.Affine basePoint() {
        EdwardsMsm.Affine b = new EdwardsMsm.Affine();
        if (!new EdwardsMsm().decode(BASE, false, b)) {
            throw new IllegalStateException("the Ed25519 base point does not decode");
        }
        return b;
    }
}
