package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;
import java.util.Arrays;
import java.util.List;

/**
 * A proposed block: (epoch, round, parent QC, payload, author, timestamp, next schedule) and the author's signature
 * over {@link SigningMessages#proposal}. The id is the SHA-256 of the canonical header, which carries the payload's
 * SHA-256 instead of the payload, so the id commits to everything but the signature. {@code nextSchedule} is empty
 * except in the block that opens a schedule epoch on its chain, where it lists the leader (validator index) of each
 * round of the next schedule epoch (see {@code io.backplane.node.consensus.round.ScheduleChain}).
 */
public final class Block implements Encodable {
    private final long epoch;
    private final long round;
    private final QuorumCert parentQc;
    private final byte[] payload;
    private final int author;
    private final long timestampMs;
    private final List<Integer> nextSchedule;
    private final byte[] signature;
    private final BlockId id;

    /** A block that carries no schedule. */
    public Block(long epoch, long round, QuorumCert parentQc, byte[] payload, int author, long timestampMs, byte[] signature) {
        this(epoch, round, parentQc, payload, author, timestampMs, List.of(), signature);
    }

    public Block(long epoch, long round, QuorumCert parentQc, byte[] payload, int author, long timestampMs,
                 List<Integer> nextSchedule, byte[] signature) {
        if (author < 0 || author > 0xFFFF) {
            throw new IllegalArgumentException("author index out of range: " + author);
        }
        if (nextSchedule.size() > Limits.MAX_SCHEDULE) {
            throw new IllegalArgumentException("next schedule has " + nextSchedule.size() + " rounds, more than " + Limits.MAX_SCHEDULE);
        }
        for (int leader : nextSchedule) {
            if (leader < 0 || leader > 0xFFFF) {
                throw new IllegalArgumentException("schedule leader index out of range: " + leader);
            }
        }
        this.nextSchedule = List.copyOf(nextSchedule);
        this.epoch = epoch;
        this.round = round;
        this.parentQc = parentQc;
        this.payload = payload.clone();
        this.author = author;
        this.timestampMs = timestampMs;
        this.signature = signature.clone();
        this.id = BlockId.sha256(header());
    }

    /** The genesis block of an epoch: round 0, empty payload, anchored on a zero certificate. */
    public static Block genesis(long epoch) {
        return new Block(epoch, 0, QuorumCert.genesis(epoch, BlockId.ZERO), new byte[0], 0, 0, new byte[0]);
    }

    /** The same block with {@code signature} attached (the id does not change). */
    public Block withSignature(byte[] sig) {
        return new Block(epoch, round, parentQc, payload, author, timestampMs, nextSchedule, sig);
    }

    /** The canonical header whose SHA-256 is the id. */
    public byte[] header() {
        CanonicalWriter w = new CanonicalWriter(160);
        w.u64(epoch).u64(round);
        parentQc.encode(w);
        w.fixed(BlockId.sha256Bytes(payload), 32).u16(author).u64(timestampMs).list(nextSchedule, CanonicalWriter::u16);
        return w.toByteArray();
    }

    @Override
    public void encode(CanonicalWriter w) {
        w.u64(epoch).u64(round);
        parentQc.encode(w);
        w.bytes(payload).u16(author).u64(timestampMs).list(nextSchedule, CanonicalWriter::u16).bytes(signature);
    }

    public static Block decode(CanonicalReader r) {
        return new Block(r.u64(), r.u64(), QuorumCert.decode(r), r.bytes(Limits.MAX_PAYLOAD), r.u16(), r.u64(),
                r.list(Limits.MAX_SCHEDULE, CanonicalReader::u16), r.bytes(Limits.MAX_SIGNATURE));
    }

    public BlockId id() {
        return id;
    }

    public long epoch() {
        return epoch;
    }

    public long round() {
        return round;
    }

    public QuorumCert parentQc() {
        return parentQc;
    }

    public BlockId parentId() {
        return parentQc.blockId();
    }

    public byte[] payload() {
        return payload.clone();
    }

    public int payloadSize() {
        return payload.length;
    }

    public int author() {
        return author;
    }

    public long timestampMs() {
        return timestampMs;
    }

    /** The next schedule epoch's leaders (validator indices, one per round); empty in most blocks. */
    public List<Integer> nextSchedule() {
        return nextSchedule;
    }

    public byte[] signature() {
        return signature.clone();
    }

    public boolean isGenesis() {
        return round == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Block b && id.equals(b.id) && Arrays.equals(signature, b.signature);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "Block(r" + round + " " + id + " by " + author + " parent " + parentQc + ")";
    }
}
