package io.backplane.accel.vdf;

import java.math.BigInteger;

/**
 * One Wesolowski claim (x, y, π, T) to verify. Built only from well-formed parts: each element 256 bytes
 * big-endian in [1, N−1] and 1 ≤ T ≤ {@link Wesolowski#MAX_T}; anything else is refused here with the reason, so a
 * batch never fails because of one bad item. Canonicality is not checked here: a non-canonical element is a
 * well-formed but invalid proof (verification answers false).
 */
public record VdfProof(byte[] x, byte[] y, byte[] proof, long t) {
    public VdfProof {
        x = Wesolowski.checkElement("x", x).clone();
        y = Wesolowski.checkElement("y", y).clone();
        proof = Wesolowski.checkElement("proof", proof).clone();
        Wesolowski.checkT(t);
    }

    public BigInteger xInt() {
        return new BigInteger(1, x);
    }

    public BigInteger yInt() {
        return new BigInteger(1, y);
    }

    public BigInteger proofInt() {
        return new BigInteger(1, proof);
    }
}
