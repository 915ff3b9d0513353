package io.backplane.accel.ed25519;

import java.math.BigInteger;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Point arithmetic on edwards25519 (extended twisted Edwards coordinates, a = -1) and a Pippenger multi-scalar
 * multiplication with signed windows, for batch verification.
 *
 * <p>Why hand-written: Bouncy Castle's Ed25519 point types and formulas are private to {@code rfc8032.Ed25519} and it
 * has no multi-scalar multiplication; its field arithmetic is public ({@link X25519Field}, 10 limbs of 25.5 bits) and
 * is used here unchanged, so only the point formulas (Hisil-Wong-Carter-Dawson 2008, the same ones BC and ref10 use)
 * and the bucket method are ours. Everything is variable-time: it only ever handles public data (signatures, keys,
 * messages) and the batch's random weights, which an attacker learns nothing useful from after the fact.
 *
 * <p>Not thread-safe: one instance per thread (it owns its scratch space).
 */
final class EdwardsMsm {
    /** d = -121665/121666 and 2d, as field elements. */
    static final int[] D;
    static final int[] D2;
    private static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

    static {
        BigInteger d = BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
        D = field(d);
        D2 = field(d.shiftLeft(1).mod(P));
    }

    /** An affine point in the forms the additions want: x, y, t = xy, and (y+x)/2, (y-x)/2, d·xy for mixed adds. */
    static final class Affine {
        final int[] x = X25519Field.create();
        final int[] y = X25519Field.create();
        final int[] t = X25519Field.create();
        final int[] ypxHalf = X25519Field.create();
        final int[] ymxHalf = X25519Field.create();
        final int[] xyd = X25519Field.create();
    }

    /** Extended coordinates (X : Y : Z : T), T = XY/Z; {@code empty} stands for the neutral element without arithmetic. */
    static final class Ext {
        final int[] x = X25519Field.create();
        final int[] y = X25519Field.create();
        final int[] z = X25519Field.create();
        final int[] t = X25519Field.create();
        boolean empty = true;
    }

    private static final int[] HALF = field(P.add(BigInteger.ONE).shiftRight(1));

    private final int[] ta = X25519Field.create();
    private final int[] tb = X25519Field.create();
    private final int[] tc = X25519Field.create();
    private final int[] td = X25519Field.create();
    private final int[] te = X25519Field.create();
    private final int[] tf = X25519Field.create();
    private final int[] tg = X25519Field.create();
    private final int[] th = X25519Field.create();

    static int[] field(BigInteger v) {
        byte[] le = new byte[32];
        byte[] be = v.toByteArray();
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        int[] f = X25519Field.create();
        X25519Field.decode(le, 0, f);
        return f;
    }

    /**
     * Decodes a 32-byte point exactly as Bouncy Castle's {@code decodePointVar} does (y from the low 255 bits,
     * x = sqrt((y²-1)/(dy²+1)), refused when there is no root or when x = 0 has the sign bit set), optionally negated.
     * The caller has already refused y >= p. Returns false when the encoding is not a point.
     */
    boolean decode(byte[] enc, boolean negate, Affine out) {
        int sign = (enc[31] & 0x80) >>> 7;
        X25519Field.decode255(enc, 0, out.y, 0);
        X25519Field.sqr(out.y, ta);
        X25519Field.mul(D, ta, tb);
        X25519Field.subOne(ta);
        X25519Field.addOne(tb);
        if (!X25519Field.sqrtRatioVar(ta, tb, out.x)) {
            return false;
        }
        X25519Field.normalize(out.x);
        if (sign == 1 && X25519Field.isZeroVar(out.x)) {
            return false;
        }
        if (negate ^ (sign != (out.x[0] & 1))) {
            X25519Field.negate(out.x, out.x);
            X25519Field.normalize(out.x);
        }
        X25519Field.normalize(out.y);
        finish(out);
        return true;
    }

    /** Fills t and the mixed-addition forms from x and y. */
    void finish(Affine p) {
        X25519Field.mul(p.x, p.y, p.t);
        X25519Field.apm(p.y, p.x, ta, tb);
        X25519Field.mul(ta, HALF, p.ypxHalf);
        X25519Field.mul(tb, HALF, p.ymxHalf);
        X25519Field.mul(p.t, D, p.xyd);
    }

    /** Whether [8]P is the neutral element (P has small order), for an affine point. */
    boolean hasSmallOrder(Affine p) {
        Ext e = new Ext();
        set(e, p, false);
        for (int i = 0; i < 3; i++) {
            dbl(e);
        }
        return isNeutral(e);
    }

    /** r = ±p (an affine point into extended coordinates). */
    static void set(Ext r, Affine p, boolean negate) {
        if (negate) {
            X25519Field.negate(p.x, r.x);
            X25519Field.negate(p.t, r.t);
        } else {
            X25519Field.copy(p.x, 0, r.x, 0);
            X25519Field.copy(p.t, 0, r.t, 0);
        }
        X25519Field.copy(p.y, 0, r.y, 0);
        X25519Field.one(r.z);
        r.empty = false;
    }

    /**
     * r += ±p, p affine: 7 multiplications. With the halved (y±x)/2 and d·xy of {@link Affine}, every output coordinate
     * carries the same factor 1/4, which projective coordinates absorb (T = XY/Z still holds).
     */
    void addMixed(Ext r, Affine p, boolean negate) {
        if (r.empty) {
            set(r, p, negate);
            return;
        }
        X25519Field.apm(r.y, r.x, tb, ta); // tb = Y+X, ta = Y-X
        X25519Field.mul(ta, negate ? p.ypxHalf : p.ymxHalf, ta);
        X25519Field.mul(tb, negate ? p.ymxHalf : p.ypxHalf, tb);
        X25519Field.mul(r.t, p.xyd, tc);
        if (negate) {
            X25519Field.negate(tc, tc);
        }
        X25519Field.apm(tb, ta, th, te); // H = B+A, E = B-A
        X25519Field.apm(r.z, tc, tg, tf); // G = Z+C, F = Z-C
        X25519Field.carry(tg);
        X25519Field.carry(tf);
        X25519Field.mul(te, tf, r.x);
        X25519Field.mul(tg, th, r.y);
        X25519Field.mul(te, th, r.t);
        X25519Field.mul(tf, tg, r.z);
    }

    /** r += q, both extended: 9 multiplications. */
    void add(Ext r, Ext q) {
        if (q.empty) {
            return;
        }
        if (r.empty) {
            copy(q, r);
            return;
        }
        X25519Field.apm(r.y, r.x, tb, ta);
        X25519Field.apm(q.y, q.x, td, tc);
        X25519Field.mul(ta, tc, ta); // A = (Y1-X1)(Y2-X2)
        X25519Field.mul(tb, td, tb); // B = (Y1+X1)(Y2+X2)
        X25519Field.mul(r.t, q.t, tc);
        X25519Field.mul(tc, D2, tc); // C = 2d T1 T2
        X25519Field.mul(r.z, q.z, td);
        X25519Field.add(td, td, td); // D = 2 Z1 Z2
        X25519Field.apm(tb, ta, th, te);
        X25519Field.apm(td, tc, tg, tf);
        X25519Field.carry(tg);
        X25519Field.carry(tf);
        X25519Field.mul(te, tf, r.x);
        X25519Field.mul(tg, th, r.y);
        X25519Field.mul(te, th, r.t);
        X25519Field.mul(tf, tg, r.z);
    }

    /** r = 2r: 4 squarings and 4 multiplications (the a = -1 doubling, written as BC and ref10 write it). */
    void dbl(Ext r) {
        if (r.empty) {
            return;
        }
        X25519Field.add(r.x, r.y, te);
        X25519Field.sqr(r.x, ta);
        X25519Field.sqr(r.y, tb);
        X25519Field.sqr(r.z, tc);
        X25519Field.add(tc, tc, tc);
        X25519Field.apm(ta, tb, th, tg); // H = A+B, G = A-B
        X25519Field.sqr(te, te);
        X25519Field.sub(th, te, te); // E = H - (X+Y)^2
        X25519Field.add(tc, tg, tf); // F = C + G
        X25519Field.carry(tf);
        X25519Field.mul(te, tf, r.x);
        X25519Field.mul(tg, th, r.y);
        X25519Field.mul(te, th, r.t);
        X25519Field.mul(tf, tg, r.z);
    }

    /** Whether r is the neutral element (0 : Z : Z : 0). */
    boolean isNeutral(Ext r) {
        if (r.empty) {
            return true;
        }
        X25519Field.copy(r.x, 0, ta, 0);
        X25519Field.normalize(ta);
        if (!X25519Field.isZeroVar(ta)) {
            return false;
        }
        X25519Field.copy(r.y, 0, tb, 0);
        X25519Field.copy(r.z, 0, tc, 0);
        X25519Field.normalize(tb);
        X25519Field.normalize(tc);
        return X25519Field.areEqualVar(tb, tc);
    }

    static void copy(Ext from, Ext to) {
        X25519Field.copy(from.x, 0, to.x, 0);
        X25519Field.copy(from.y, 0, to.y, 0);
        X25519Field.copy(from.z, 0, to.z, 0);
        X25519Field.copy(from.t, 0, to.t, 0);
        to.empty = from.empty;
    }

    /**
     * The window width that minimises the estimated additions of a Pippenger run over points whose scalars have the
     * given total bit length: one mixed addition per non-zero signed digit, two full additions per bucket per window.
     */
    static int windowFor(int points, long totalBits) {
        int best = 2;
        double bestCost = Double.MAX_VALUE;
        for (int c = 2; c <= 14; c++) {
            double cost = (double) totalBits / c * 7 + (256.0 / c + 1) * (1 << (c - 1)) * 2 * 9;
            if (cost < bestCost) {
                bestCost = cost;
                best = c;
            }
        }
        return best;
    }

    /**
     * Σ scalars[i]·points[i] for the indices in {@code idx} (scalars as four little-endian 64-bit words, below 2^256),
     * by Pippenger's bucket method with signed c-bit digits in [-2^(c-1), 2^(c-1)].
     */
    Ext msm(Affine[] points, long[][] scalars, int[] idx, int count) {
        long bits = 0;
        for (int k = 0; k < count; k++) {
            bits += bitLength(scalars[idx[k]]);
        }
        int c = windowFor(count, bits);
        int windows = 256 / c + 2;
        int half = 1 << (c - 1);
        int[] digits = new int[count * windows];
        int topWindow = 0;
        for (int k = 0; k < count; k++) {
            long[] s = scalars[idx[k]];
            int carry = 0;
            for (int w = 0; w < windows; w++) {
                int d = window(s, w * c, c) + carry;
                if (d > half) {
                    d -= 1 << c;
                    carry = 1;
                } else {
                    carry = 0;
                }
                digits[k * windows + w] = d;
                if (d != 0 && w > topWindow) {
                    topWindow = w;
                }
            }
        }
        Ext[] buckets = new Ext[half + 1];
        for (int b = 1; b <= half; b++) {
            buckets[b] = new Ext();
        }
        Ext result = new Ext();
        Ext running = new Ext();
        Ext total = new Ext();
        for (int w = topWindow; w >= 0; w--) {
            for (int i = 0; i < c; i++) {
                dbl(result);
            }
            for (int b = 1; b <= half; b++) {
                buckets[b].empty = true;
            }
            for (int k = 0; k < count; k++) {
                int d = digits[k * windows + w];
                if (d > 0) {
                    addMixed(buckets[d], points[idx[k]], false);
                } else if (d < 0) {
                    addMixed(buckets[-d], points[idx[k]], true);
                }
            }
            running.empty = true;
            total.empty = true;
            for (int b = half; b >= 1; b--) {
                add(running, buckets[b]);
                add(total, running);
            }
            add(result, total);
        }
        return result;
    }

    static int window(long[] s, int pos, int c) {
        int w = pos >>> 6;
        if (w >= s.length) {
            return 0;
        }
        int b = pos & 63;
        long v = s[w] >>> b;
        if (b + c > 64 && w + 1 < s.length) {
            v |= s[w + 1] << (64 - b);
        }
        return (int) (v & ((1L << c) - 1));
    }

    static int bitLength(long[] s) {
        for (int i = s.length - 1; i >= 0; i--) {
            if (s[i] != 0) {
                return 64 * i + 64 - Long.numberOfLeadingZeros(s[i]);
            }
        }
        return 0;
    }
}
