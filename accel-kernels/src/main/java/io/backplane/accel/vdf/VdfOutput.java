package io.backplane.accel.vdf;

/** The result of evaluating the VDF: y = canon(x^(2^T) mod N) and the proof π, each 256 bytes big-endian. */
public record VdfOutput(byte[] y, byte[] proof) {
    public VdfOutput {
        y = y.clone();
        proof = proof.clone();
    }
}
