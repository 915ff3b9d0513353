package io.backplane.node.consensus.round;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** A real {@link QuorumCrypto} whose single checks (their messages) and batch checks (their sizes) are recorded; answers unchanged. */
final class CountingQuorumCrypto implements QuorumCrypto {
    final List<byte[]> singleChecks = new ArrayList<>();
    final List<Integer> batches = new ArrayList<>();
    private final QuorumCrypto real;

    CountingQuorumCrypto(QuorumCrypto real) {
        this.real = real;
    }

    @Override
    public boolean verify(int signer, byte[] message, byte[] signature) {
        singleChecks.add(message);
        return real.verify(signer, message, signature);
    }

    @Override
    public boolean[] verifyEach(int[] signers, List<byte[]> messages, List<byte[]> signatures) {
        batches.add(signers.length);
        return real.verifyEach(signers, messages, signatures);
    }

    @Override
    public byte[] aggregate(List<byte[]> signatures) {
        return real.aggregate(signatures);
    }

    @Override
    public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
        return real.verifyAggregate(signers, message, aggregate);
    }

    @Override
    public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
        return real.verifyAggregateDistinct(signers, messages, aggregate);
    }
}
