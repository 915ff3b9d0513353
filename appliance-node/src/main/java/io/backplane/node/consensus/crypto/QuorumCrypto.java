package io.backplane.node.consensus.crypto;

import java.util.BitSet;
import java.util.List;

/**
 * The signature work consensus needs for one validator set: check one signature, aggregate checked signatures,
 * check a QC (one message, signers' keys aggregated, one pairing check) and a TC (one message per signer,
 * aggregate-verify). Signer indices are positions in the validator set it was built for. Implementations
 * never throw on hostile input: a malformed signature is simply not valid. The accelerated backend of
 * accel-kernels is meant to slot in behind this interface.
 */
public interface QuorumCrypto {
    /** Whether {@code signature} is validator {@code signer}'s signature over {@code message}. */
    boolean verify(int signer, byte[] message, byte[] signature);

    /** The aggregate of signatures that were each checked already. */
    byte[] aggregate(List<byte[]> signatures);

    /** Whether {@code aggregate} is the aggregate of every signer in {@code signers} over the same {@code message}. */
    boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate);

    /** Whether {@code aggregate} aggregates signer {@code signers[i]}'s signature over {@code messages.get(i)}, for every i. */
    boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate);
}
