package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A quorum certificate: more than 2/3 of the stake voted for {@code blockId} in {@code round}. The signature is
 * the aggregate of the voters' signatures over {@link SigningMessages#vote}; {@code signers} is the bitmap of
 * {@link Bitmaps}. Round 0 is the genesis certificate: no signers, empty signature, certifying the genesis block.
 */
public record QuorumCert(long epoch, long round, BlockId blockId, byte[] signers, byte[] signature) implements Encodable {
    public QuorumCert {
        signers = signers.clone();
        signature = signature.clone();
    }

    public static QuorumCert genesis(long epoch, BlockId genesisId) {
        return new QuorumCert(epoch, 0, genesisId, new byte[0], new byte[0]);
    }

    public boolean isGenesis() {
        return round == 0;
    }

    public BitSet signerSet() {
        return Bitmaps.decode(signers);
    }

    public byte[] signedMessage() {
        return SigningMessages.vote(epoch, round, blockId);
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).u64(round);
        blockId.encode(w);
        w.bytes(signers).bytes(signature);
    }

    public static QuorumCert decode(CanonicalReader r) {
        return new QuorumCert(r.u64(), r.u64(), BlockId.decode(r), r.bytes(Limits.MAX_VALIDATORS / 8), r.bytes(Limits.MAX_SIGNATURE));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuorumCert q && epoch == q.epoch && round == q.round && blockId.equals(q.blockId)
                && Arrays.equals(signers, q.signers) && Arrays.equals(signature, q.signature);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(round) * 31 + blockId.hashCode();
    }

    @Override
    public String toString() {
        return "QC(r" + round + " " + blockId + ")";
    }
}
