package io.backplane.accel.bls;

/**
 * One (public key, message, signature) triple of a batch, as raw bytes: decoding is part of verifying it, and a
 * triple that fails to decode is simply invalid.
 */
public record BlsSignatureSet(byte[] publicKey, byte[] message, byte[] signature) {
}
