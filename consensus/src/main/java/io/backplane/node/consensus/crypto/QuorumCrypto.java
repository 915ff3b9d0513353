package io.backplane.node.consensus.crypto;

import java.util.BitSet;
import java.util.List;

/**
 * The signature work consensus needs for one validator set: check one signature, aggregate checked signatures,
 * check a QC (one message, signers' keys aggregated, one pairing check) and a TC (one message per signer,
 * aggregate-verify). Signer indices are positions in the validator set it was built for. Implementations
 * never throw on hostile input: a malformed signature is simply not valid. {@link BlsSignatureScheme} (CPU) and
 * {@link AcceleratedBls} (accel-kernels' dispatcher) implement it for real BLS.
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

    /**
     * Checks several single signatures that arrived together (e.g. a burst of votes): answer {@code i} is exactly
     * {@link #verify}{@code (signers[i], messages.get(i), signatures.get(i))}, so a forged one never rejects the others.
     * The default checks one by one; a backend with batch verification overrides it.
     */
    default boolean[] verifyEach(int[] signers, List<byte[]> messages, List<byte[]> signatures) {
        if (signers.length != messages.size() || signers.length != signatures.size()) {
            throw new IllegalArgumentException("verifyEach: " + signers.length + " signers, " + messages.size()
                    + " messages, " + signatures.size() + " signatures");
        }
        boolean[] out = new boolean[signers.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = verify(signers[i], messages.get(i), signatures.get(i));
        }
        return out;
    }
}
