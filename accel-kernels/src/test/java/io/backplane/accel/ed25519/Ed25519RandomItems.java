package io.backplane.accel.ed25519;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Seeded Ed25519 items: valid ones with forged, mismatched, swapped and malformed ones mixed in, plus the edge cases
 * that decide acceptance rules (S + L, S = L, y = p, small-order keys and R, the sign bit on x = 0).
 */
final class Ed25519RandomItems {
    static final BigInteger L = BigInteger.ONE.shiftLeft(252).add(new BigInteger("27742317777372353535851937790883648493"));
    static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));

    private Ed25519RandomItems() {
    }

    static byte[] le32(BigInteger v) {
        byte[] be = v.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    static BigInteger fromLe(byte[] b, int off) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[31 - i] = b[off + i];
        }
        return new BigInteger(1, be);
    }

    static List<Ed25519Item> mixed(Random rnd, int n) {
        int keys = 16;
        byte[][] sks = new byte[keys][32];
        byte[][] pks = new byte[keys][32];
        for (int i = 0; i < keys; i++) {
            rnd.nextBytes(sks[i]);
            Ed25519.generatePublicKey(sks[i], 0, pks[i], 0);
        }
        List<Ed25519Item> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(keys);
            byte[] msg = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(300) : 32];
            rnd.nextBytes(msg);
            byte[] sig = new byte[64];
            Ed25519.sign(sks[k], 0, msg, 0, msg.length, sig, 0);
            byte[] pk = pks[k].clone();
            switch (rnd.nextInt(12)) {
                case 0 -> Ed25519.sign(sks[(k + 1) % keys], 0, msg, 0, msg.length, sig, 0); // forged
                case 1 -> msg = Arrays.copyOf(msg, msg.length + 1); // mismatched message
                case 2 -> pk = pks[(k + 5) % keys].clone(); // swapped key
                case 3 -> sig[rnd.nextInt(64)] ^= (byte) (1 << rnd.nextInt(8)); // flipped bit in R or S
                case 4 -> pk[rnd.nextInt(32)] ^= (byte) (1 << rnd.nextInt(8)); // flipped bit in A
                case 5 -> { // S + L (malleated) or S = L exactly
                    BigInteger s = fromLe(sig, 32);
                    BigInteger t = rnd.nextBoolean() ? s.add(L) : L;
                    System.arraycopy(le32(t), 0, sig, 32, 32);
                }
                case 6 -> { // non-canonical y (y + p where it fits) in A or R, or y = p .. p+18
                    byte[] target = rnd.nextBoolean() ? pk : sig;
                    BigInteger y = BigInteger.valueOf(rnd.nextInt(19)).add(P);
                    byte[] e = le32(y);
                    e[31] |= (byte) (rnd.nextBoolean() ? 0x80 : 0);
                    System.arraycopy(e, 0, target, 0, 32);
                }
                case 7 -> { // small-order encodings: identity, (0, -1), and the sign bit set on x = 0
                    byte[] e = new byte[32];
                    switch (rnd.nextInt(4)) {
                        case 0 -> e[0] = 1;
                        case 1 -> {
                            e[0] = 1;
                            e[31] = (byte) 0x80;
                        }
                        case 2 -> e = le32(P.subtract(BigInteger.ONE));
                        default -> { }
                    }
                    System.arraycopy(e, 0, rnd.nextBoolean() ? pk : sig, 0, 32);
                }
                case 8 -> { // random bytes for A: about half are not on the curve
                    rnd.nextBytes(pk);
                }
                default -> { }
            }
            out.add(new Ed25519Item(pk, msg, sig));
        }
        return out;
    }
}
