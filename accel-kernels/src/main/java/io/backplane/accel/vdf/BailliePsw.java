package io.backplane.accel.vdf;

import java.math.BigInteger;

/**
 * The Baillie–PSW probable-prime test: trial division by small primes, a strong Fermat test to base 2, and a strong
 * Lucas test with Selfridge's parameters (method A). Hand-written because HashToPrime must be the same function on
 * every node: the JDK's {@code isProbablePrime} draws random Miller–Rabin bases, and Bouncy Castle has no Lucas test.
 * No composite passing BPSW is known.
 */
public final class BailliePsw {
    private static final int[] SMALL_PRIMES = {3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
    private static final BigInteger TWO = BigInteger.TWO;

    private BailliePsw() {
    }

    public static boolean isProbablePrime(BigInteger n) {
        if (n.signum() <= 0 || n.equals(BigInteger.ONE)) {
            return false;
        }
        if (n.equals(TWO)) {
            return true;
        }
        if (!n.testBit(0)) {
            return false;
        }
        for (int p : SMALL_PRIMES) {
            BigInteger bp = BigInteger.valueOf(p);
            if (n.equals(bp)) {
                return true;
            }
            if (n.mod(bp).signum() == 0) {
                return false;
            }
        }
        return strongFermatBase2(n) && strongLucas(n);
    }

    static boolean strongFermatBase2(BigInteger n) {
        BigInteger nm1 = n.subtract(BigInteger.ONE);
        int s = nm1.getLowestSetBit();
        BigInteger d = nm1.shiftRight(s);
        BigInteger x = TWO.modPow(d, n);
        if (x.equals(BigInteger.ONE) || x.equals(nm1)) {
            return true;
        }
        for (int i = 1; i < s; i++) {
            x = x.multiply(x).mod(n);
            if (x.equals(nm1)) {
                return true;
            }
        }
        return false;
    }

    static boolean strongLucas(BigInteger n) {
        // Selfridge: the first D in 5, -7, 9, -11, ... with Jacobi(D/n) = -1; a perfect square never finds one.
        if (isSquare(n)) {
            return false;
        }
        long d = 5;
        while (true) {
            int j = jacobi(BigInteger.valueOf(d), n);
            if (j == -1) {
                break;
            }
            if (j == 0 && BigInteger.valueOf(Math.abs(d)).compareTo(n) < 0) {
                return false;
            }
            d = d > 0 ? -(d + 2) : -(d - 2);
        }
        BigInteger bigD = BigInteger.valueOf(d);
        BigInteger p = BigInteger.ONE;
        BigInteger q = BigInteger.valueOf((1 - d) / 4);
        BigInteger np1 = n.add(BigInteger.ONE);
        int s = np1.getLowestSetBit();
        BigInteger k = np1.shiftRight(s);
        // Binary ladder for U_k, V_k (mod n), from the top bit of k.
        BigInteger u = BigInteger.ONE;
        BigInteger v = p;
        BigInteger qk = q.mod(n);
        BigInteger inv2 = n.add(BigInteger.ONE).shiftRight(1); // 2^-1 mod n (n odd)
        for (int i = k.bitLength() - 2; i >= 0; i--) {
            u = u.multiply(v).mod(n);
            v = v.multiply(v).subtract(qk.shiftLeft(1)).mod(n);
            qk = qk.multiply(qk).mod(n);
            if (k.testBit(i)) {
                BigInteger u2 = p.multiply(u).add(v).multiply(inv2).mod(n);
                BigInteger v2 = bigD.multiply(u).add(p.multiply(v)).multiply(inv2).mod(n);
                u = u2;
                v = v2;
                qk = qk.multiply(q).mod(n);
            }
        }
        if (u.signum() == 0 || v.signum() == 0) {
            return true;
        }
        for (int r = 1; r < s; r++) {
            v = v.multiply(v).subtract(qk.shiftLeft(1)).mod(n);
            if (v.signum() == 0) {
                return true;
            }
            qk = qk.multiply(qk).mod(n);
        }
        return false;
    }

    static int jacobi(BigInteger a, BigInteger n) {
        a = a.mod(n);
        int result = 1;
        BigInteger three = BigInteger.valueOf(3);
        BigInteger four = BigInteger.valueOf(4);
        BigInteger five = BigInteger.valueOf(5);
        BigInteger eight = BigInteger.valueOf(8);
        while (a.signum() != 0) {
            while (!a.testBit(0)) {
                a = a.shiftRight(1);
                BigInteger r = n.mod(eight);
                if (r.equals(three) || r.equals(five)) {
                    result = -result;
                }
            }
            BigInteger t = a;
            a = n;
            n = t;
            if (a.mod(four).equals(three) && n.mod(four).equals(three)) {
                result = -result;
            }
            a = a.mod(n);
        }
        return n.equals(BigInteger.ONE) ? result : 0;
    }

    private static boolean isSquare(BigInteger n) {
        BigInteger r = n.sqrt();
        return r.multiply(r).equals(n);
    }
}
