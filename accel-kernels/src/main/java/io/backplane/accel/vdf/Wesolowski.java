package io.backplane.accel.vdf;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The Wesolowski VDF in the RSA-2048 group modulo ±1 (elements canonical as min(a, N−a)). This class is the
 * specification in code: evaluation by T sequential squarings, HashToPrime, and verification on the CPU.
 */
public final class Wesolowski {
    /** Largest accepted T: 2^40 squarings is weeks of evaluation; anything above is refused as absurd. */
    public static final long MAX_T = 1L << 40;

    private static final BigInteger N = Rsa2048.N;
    private static final BigInteger HALF_N = N.shiftRight(1);
    private static final byte[] DOMAIN = "backplane/vdf/l".getBytes(StandardCharsets.US_ASCII);

    private Wesolowski() {
    }

    /** min(a, N−a) for a in [1, N−1]. */
    public static BigInteger canon(BigInteger a) {
        return a.compareTo(HALF_N) > 0 ? N.subtract(a) : a;
    }

    public static boolean isCanonical(BigInteger a) {
        return a.signum() > 0 && a.compareTo(HALF_N) <= 0;
    }

    /** Refuses anything that is not a 256-byte big-endian integer in [1, N−1], naming the field. */
    public static byte[] checkElement(String field, byte[] v) {
        if (v == null) {
            throw new IllegalArgumentException(field + ": missing");
        }
        if (v.length != Rsa2048.BYTES) {
            throw new IllegalArgumentException(field + ": must be " + Rsa2048.BYTES + " bytes, got " + v.length);
        }
        BigInteger a = new BigInteger(1, v);
        if (a.signum() == 0 || a.compareTo(N) >= 0) {
            throw new IllegalArgumentException(field + ": must be in [1, N-1]");
        }
        return v;
    }

    public static void checkT(long t) {
        if (t < 1 || t > MAX_T) {
            throw new IllegalArgumentException("t: must be in [1, 2^40], got " + t);
        }
    }

    /** The element as 256 bytes big-endian. */
    public static byte[] toBytes(BigInteger a) {
        byte[] raw = a.toByteArray();
        byte[] out = new byte[Rsa2048.BYTES];
        int n = Math.min(raw.length, Rsa2048.BYTES);
        System.arraycopy(raw, raw.length - n, out, Rsa2048.BYTES - n, n);
        return out;
    }

    /**
     * y = canon(x^(2^T) mod N) by T squarings, and π = canon(x^⌊2^T/l⌋ mod N) by the on-the-fly long division of
     * 2^T by l (a second pass of T squarings: l depends on y). x must be canonical.
     */
    public static VdfOutput evaluate(byte[] xBytes, long t) {
        checkElement("x", xBytes);
        checkT(t);
        BigInteger x = new BigInteger(1, xBytes);
        if (!isCanonical(x)) {
            throw new IllegalArgumentException("x: not canonical (x > (N-1)/2; use N-x)");
        }
        BigInteger y = x;
        for (long i = 0; i < t; i++) {
            y = y.multiply(y).mod(N);
        }
        y = canon(y);
        byte[] yBytes = toBytes(y);
        BigInteger l = hashToPrime(xBytes, yBytes, t);
        // Invariant: after step i, pi = x^⌊2^i / l⌋ and r = 2^i mod l.
        BigInteger pi = BigInteger.ONE;
        BigInteger r = BigInteger.ONE;
        for (long i = 0; i < t; i++) {
            BigInteger r2 = r.shiftLeft(1);
            pi = pi.multiply(pi).mod(N);
            if (r2.compareTo(l) >= 0) {
                pi = pi.multiply(x).mod(N);
                r2 = r2.subtract(l);
            }
            r = r2;
        }
        return new VdfOutput(yBytes, toBytes(canon(pi)));
    }

    /** HashToPrime(x, y, T) as the accel issue specifies it (SHA-256 counter mode, 128-bit candidates, BPSW). */
    public static BigInteger hashToPrime(byte[] x, byte[] y, long t) {
        MessageDigest sha = sha256();
        for (int i = 0; ; i++) {
            sha.update(DOMAIN);
            sha.update(x);
            sha.update(y);
            sha.update(ByteBuffer.allocate(12).putLong(t).putInt(i).array());
            byte[] h = sha.digest();
            BigInteger c = new BigInteger(1, Arrays.copyOf(h, 16)).setBit(127).setBit(0);
            if (BailliePsw.isProbablePrime(c)) {
                return c;
            }
        }
    }

    /** The challenge prime l and r = 2^T mod l: the exponents the device path needs. */
    public record Exponents(BigInteger l, BigInteger r) {
    }

    public static Exponents exponents(VdfProof p) {
        BigInteger l = hashToPrime(p.x(), p.y(), p.t());
        return new Exponents(l, BigInteger.TWO.modPow(BigInteger.valueOf(p.t()), l));
    }

    /** Whether the three elements of the proof are canonical (the first half of validity). */
    public static boolean allCanonical(VdfProof p) {
        return isCanonical(p.xInt()) && isCanonical(p.yInt()) && isCanonical(p.proofInt());
    }

    /** The CPU verifier: the reference answer for one proof. */
    public static boolean verify(VdfProof p) {
        if (!allCanonical(p)) {
            return false;
        }
        Exponents e = exponents(p);
        BigInteger v = p.proofInt().modPow(e.l(), N).multiply(p.xInt().modPow(e.r(), N)).mod(N);
        return v.signum() != 0 && canon(v).equals(p.yInt());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
