package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;

/** What a node tells a peer that is behind: its highest QC and, if any, its highest TC. */
public record SyncInfo(QuorumCert highQc, TimeoutCert highTc) implements Encodable {
    @Override
    public void encode(CanonicalWriter w) {
        highQc.encode(w);
        w.optional(highTc, (out, tc) -> tc.encode(out));
    }

    public static SyncInfo decode(CanonicalReader r) {
        return new SyncInfo(QuorumCert.decode(r), r.optional(TimeoutCert::decode));
    }
}
