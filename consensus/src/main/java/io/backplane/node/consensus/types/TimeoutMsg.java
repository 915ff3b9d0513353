package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;

/**
 * Validator {@code author} gives up on {@code round}. It carries its highest QC (so whoever builds the TC can
 * also extend that QC) and, when the round was entered through a TC, that TC. The signature covers
 * (epoch, round, highQc.round) only, so that timeouts with different QCs still aggregate.
 */
public record TimeoutMsg(long epoch, long round, QuorumCert highQc, TimeoutCert highTc, int author, byte[] signature) implements Encodable {
    public TimeoutMsg {
        signature = signature.clone();
    }

    public byte[] signedMessage() {
        return SigningMessages.timeout(epoch, round, highQc.round());
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).u64(round);
        highQc.encode(w);
        w.optional(highTc, (out, tc) -> tc.encode(out)).u16(author).bytes(signature);
    }

    public static TimeoutMsg decode(CanonicalReader r) {
        return new TimeoutMsg(r.u64(), r.u64(), QuorumCert.decode(r), r.optional(TimeoutCert::decode), r.u16(), r.bytes(Limits.MAX_SIGNATURE));
    }
}
