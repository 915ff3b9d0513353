package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.codec.Encodable;
import java.util.List;

/**
 * A timeout certificate: more than 2/3 of the stake timed out of {@code round}. Each signer signed its own
 * message {@link SigningMessages#timeout}(epoch, round, its high QC round), so the aggregate is checked with
 * aggregate-verify over distinct messages. Entries are sorted by signer, without duplicates. It carries the
 * highest QC any signer reported ({@code highQc}, whose round must equal {@link #maxHighQcRound()}), as Aptos's
 * two-chain timeout certificate does: a reported round that no QC backs cannot be slipped into a TC.
 */
public record TimeoutCert(long epoch, long round, QuorumCert highQc, List<Entry> entries, byte[] signature) implements Encodable {
    /** One signer and the high QC round it reported. */
    public record Entry(int signer, long highQcRound) {
    }

    public TimeoutCert {
        java.util.Objects.requireNonNull(highQc, "highQc");
        entries = List.copyOf(entries);
        for (int i = 1; i < entries.size(); i++) {
            if (entries.get(i).signer() <= entries.get(i - 1).signer()) {
                throw new CodecException("timeout certificate signers must be strictly increasing, got " + entries.get(i - 1).signer() + " then " + entries.get(i).signer());
            }
        }
        signature = signature.clone();
    }

    /** The highest high-QC round any signer reported: a proposal justified by this TC must extend a QC at least this high. */
    public long maxHighQcRound() {
        long m = 0;
        for (Entry e : entries) {
            m = Math.max(m, e.highQcRound());
        }
        return m;
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).u64(round);
        highQc.encode(w);
        w.list(entries, (out, e) -> out.u16(e.signer()).u64(e.highQcRound())).bytes(signature);
    }

    public static TimeoutCert decode(CanonicalReader r) {
        return new TimeoutCert(r.u64(), r.u64(), QuorumCert.decode(r), r.list(Limits.MAX_VALIDATORS, in -> new Entry(in.u16(), in.u64())), r.bytes(Limits.MAX_SIGNATURE));
    }

    @Override
    public String toString() {
        return "TC(r" + round + " maxHqc " + maxHighQcRound() + ")";
    }
}
