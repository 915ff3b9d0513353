package io.backplane.accel.bls;

import java.util.Arrays;
import supranational.blst.P1;
import supranational.blst.P1_Affine;

/**
 * A public key that passed {@code KeyValidate}: a compressed G1 point, on the curve, in the prime-order subgroup and
 * not the point at infinity. Decode validator keys once (decoding with the subgroup check is the expensive part) and
 * keep the instances; the aggregation and verification methods of {@link BlsCpu} then only add points.
 */
public final class BlsPublicKey {
    /** Compressed G1 size. */
    public static final int SIZE = 48;

    private final byte[] bytes;
    final P1_Affine point;

    private BlsPublicKey(byte[] bytes, P1_Affine point) {
        this.bytes = bytes;
        this.point = point;
    }

    /**
     * Decodes and validates a public key.
     *
     * @throws BlsEncodingException with the rule that failed (length, flags, field range, curve, subgroup, infinity)
     */
    public static BlsPublicKey decode(byte[] compressed) {
        P1_Affine p = decodeG1(compressed);
        if (p.is_inf()) {
            throw new BlsEncodingException("public key is the point at infinity (KeyValidate refuses it)");
        }
        return new BlsPublicKey(compressed.clone(), p);
    }

    /**
     * Decodes a compressed G1 point as the spec's {@code deserialization_G1} does: the point at infinity is a valid
     * point here (it is refused only where a public key is validated).
     */
    static P1_Affine decodeG1(byte[] b) {
        if (b == null || b.length != SIZE) {
            throw new BlsEncodingException("G1 point must be " + SIZE + " bytes, got " + (b == null ? "null" : b.length));
        }
        BlsCodec.checkFlags(b);
        P1_Affine p;
        try {
            p = new P1_Affine(b);
        } catch (RuntimeException e) { // blst reports BLST_BAD_ENCODING / BLST_POINT_NOT_ON_CURVE this way
            throw new BlsEncodingException("G1 point rejected by blst: " + e.getMessage());
        }
        if (!p.is_inf() && !p.in_group()) {
            throw new BlsEncodingException("G1 point is not in the prime-order subgroup");
        }
        return p;
    }

    /** A key decoded and validated elsewhere (the device path in {@code opencl.bls}): the caller vouches for the subgroup check. */
    public static BlsPublicKey ofValidated(byte[] compressed, P1_Affine point) {
        return new BlsPublicKey(compressed.clone(), point);
    }

    static BlsPublicKey ofValidated(P1 sum) {
        P1_Affine a = sum.to_affine();
        return new BlsPublicKey(a.compress(), a);
    }

    /** The validated affine point (for the device path in {@code opencl.bls}); callers must not mutate it. */
    public P1_Affine affine() {
        return point;
    }

    /** The 48-byte compressed encoding. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlsPublicKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "BlsPublicKey[" + java.util.HexFormat.of().formatHex(bytes, 0, 8) + "...]";
    }
}
