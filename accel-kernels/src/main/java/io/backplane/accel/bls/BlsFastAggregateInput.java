package io.backplane.accel.bls;

import java.util.List;

/**
 * The arguments of {@code FastAggregateVerify(PKs, message, signature)} as raw bytes: decoding is part of verifying,
 * and anything that fails to decode makes the answer {@code false}.
 */
public record BlsFastAggregateInput(List<byte[]> publicKeys, byte[] message, byte[] signature) {
}
