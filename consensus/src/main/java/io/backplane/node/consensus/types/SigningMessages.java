package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalWriter;

/**
 * The exact bytes that are signed. One function per kind, each starting with the kind's domain tag, so the same
 * bytes can never be read as two different statements.
 */
public final class SigningMessages {
    private SigningMessages() {
    }

    /** The leader's signature over a block: (domain, epoch, round, block id). */
    public static byte[] proposal(long epoch, long round, BlockId id) {
        return new CanonicalWriter(80).string(SigningKind.PROPOSAL.domain()).u64(epoch).u64(round).fixed(id.bytes(), BlockId.LENGTH).toByteArray();
    }

    /** A vote: (domain, epoch, round, block id), as DESIGN.md §4 defines it. */
    public static byte[] vote(long epoch, long round, BlockId id) {
        return new CanonicalWriter(80).string(SigningKind.VOTE.domain()).u64(epoch).u64(round).fixed(id.bytes(), BlockId.LENGTH).toByteArray();
    }

    /** A timeout: (domain, epoch, round, high QC round); a TC aggregates these distinct messages. */
    public static byte[] timeout(long epoch, long round, long highQcRound) {
        return new CanonicalWriter(64).string(SigningKind.TIMEOUT.domain()).u64(epoch).u64(round).u64(highQcRound).toByteArray();
    }
}
