package io.backplane.node.consensus.safety;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;

/**
 * The voting state that must survive a crash (DESIGN.md §4): the last round voted (raised by timeouts too), the
 * highest round timed out, the highest QC round signed over (the "preferred round": a restarted node may not report a
 * lower high QC in a timeout than one it already built on), and the last round it proposed in (a restarted leader
 * never proposes a second block for a round, whatever its guard would say).
 */
public record SafetyData(long epoch, long lastVotedRound, long highestTimeoutRound, long preferredRound, long lastProposedRound) {
    public SafetyData(long epoch, long lastVotedRound, long highestTimeoutRound, long preferredRound) {
        this(epoch, lastVotedRound, highestTimeoutRound, preferredRound, 0);
    }

    public byte[] encode() {
        return new CanonicalWriter(40).u64(epoch).u64(lastVotedRound).u64(highestTimeoutRound).u64(preferredRound).u64(lastProposedRound).toByteArray();
    }

    public static SafetyData decode(byte[] bytes) {
        return CanonicalReader.decode(bytes, r -> new SafetyData(r.u64(), r.u64(), r.u64(), r.u64(), r.u64()));
    }
}
