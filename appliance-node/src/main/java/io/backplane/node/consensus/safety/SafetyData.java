package io.backplane.node.consensus.safety;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;

/**
 * The voting state that must survive a crash (DESIGN.md §4): the last round voted (raised by timeouts too), the
 * highest round timed out, and the highest QC round known when last signing (the "preferred round": a restarted
 * node may not report a lower high QC in a timeout than one it already built on).
 */
public record SafetyData(long epoch, long lastVotedRound, long highestTimeoutRound, long preferredRound) {
    public byte[] encode() {
        return new CanonicalWriter(32).u64(epoch).u64(lastVotedRound).u64(highestTimeoutRound).u64(preferredRound).toByteArray();
    }

    public static SafetyData decode(byte[] bytes) {
        return CanonicalReader.decode(bytes, r -> new SafetyData(r.u64(), r.u64(), r.u64(), r.u64()));
    }
}
