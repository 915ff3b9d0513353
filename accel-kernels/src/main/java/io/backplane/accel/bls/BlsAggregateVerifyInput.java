package io.backplane.accel.bls;

import java.util.List;

/**
 * The arguments of {@code AggregateVerify((PK_i, message_i), signature)} as raw bytes; mismatched counts or anything
 * that fails to decode make the answer {@code false}.
 */
public record BlsAggregateVerifyInput(List<byte[]> publicKeys, List<byte[]> messages, byte[] signature) {
}
