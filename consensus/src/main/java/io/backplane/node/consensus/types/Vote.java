package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;

/** A vote of validator {@code voter} for {@code blockId} in {@code round}; the signature is over {@link SigningMessages#vote}. */
public record Vote(long epoch, long round, BlockId blockId, int voter, byte[] signature) implements Encodable {
    public Vote {
        signature = signature.clone();
    }

    public byte[] signedMessage() {
        return SigningMessages.vote(epoch, round, blockId);
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).u64(round);
        blockId.encode(w);
        w.u16(voter).bytes(signature);
    }

    public static Vote decode(CanonicalReader r) {
        return new Vote(r.u64(), r.u64(), BlockId.decode(r), r.u16(), r.bytes(Limits.MAX_SIGNATURE));
    }
}
