package io.backplane.accel.bls;

import java.util.Arrays;
import supranational.blst.P2_Affine;

/**
 * A signature that passed {@code signature_to_point} and the G2 subgroup check: a compressed G2 point on the curve
 * and in the prime-order subgroup. The point at infinity is a valid signature point (it aggregates as the identity;
 * it verifies against nothing real).
 */
public final class BlsSignature {
    /** Compressed G2 size. */
    public static final int SIZE = 96;

    private final byte[] bytes;
    final P2_Affine point;

    BlsSignature(byte[] bytes, P2_Affine point) {
        this.bytes = bytes;
        this.point = point;
    }

    /**
     * Decodes and subgroup-checks a signature.
     *
     * @throws BlsEncodingException with the rule that failed (length, flags, field range, curve, subgroup)
     */
    public static BlsSignature decode(byte[] b) {
        if (b == null || b.length != SIZE) {
            throw new BlsEncodingException("G2 point must be " + SIZE + " bytes, got " + (b == null ? "null" : b.length));
        }
        BlsCodec.checkFlags(b);
        P2_Affine p;
        try {
            p = new P2_Affine(b);
        } catch (RuntimeException e) {
            throw new BlsEncodingException("G2 point rejected by blst: " + e.getMessage());
        }
        if (!p.is_inf() && !p.in_group()) {
            throw new BlsEncodingException("G2 point is not in the prime-order subgroup");
        }
        return new BlsSignature(b.clone(), p);
    }

    /**
     * A signature's point decoded with every rule of {@link #decode} except the subgroup check, or null where one
     * fails: for a caller that hands the point straight to blst's {@code Pairing.aggregate}, which makes that check
     * itself (and answers {@code BLST_POINT_NOT_IN_GROUP}), so the 50 µs check runs once, not twice.
     */
    static P2_Affine pointForPairing(byte[] b) {
        if (b == null || b.length != SIZE) {
            return null;
        }
        try {
            BlsCodec.checkFlags(b);
            return new P2_Affine(b);
        } catch (RuntimeException e) { // BlsEncodingException, or blst's BLST_BAD_ENCODING / BLST_POINT_NOT_ON_CURVE
            return null;
        }
    }

    /** The 96-byte compressed encoding. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    public boolean isInfinity() {
        return point.is_inf();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlsSignature s && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }
}
