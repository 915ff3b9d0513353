package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import io.backplane.codec.Encodable;
import java.util.List;

/**
 * Everything validators send each other, framed as one tag byte followed by the body. {@link #decode} rejects
 * unknown tags and trailing bytes.
 */
public sealed interface ConsensusMessage extends Encodable {
    /** A leader's block; {@code tc} is present when the round was entered through a timeout certificate. */
    record Proposal(Block block, TimeoutCert tc) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(1);
            block.encode(w);
            w.optional(tc, (out, t) -> t.encode(out));
        }
    }

    record VoteMsg(Vote vote) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(2);
            vote.encode(w);
        }
    }

    record Timeout(TimeoutMsg timeout) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(3);
            timeout.encode(w);
        }
    }

    record Sync(SyncInfo info) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(4);
            info.encode(w);
        }
    }

    /** Asks for the block {@code id} and up to {@code count - 1} of its ancestors. */
    record BlockRequest(BlockId id, int count) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(5);
            id.encode(w);
            w.u16(count);
        }
    }

    /** Blocks answering a {@link BlockRequest}, newest first. */
    record BlockResponse(List<Block> blocks) implements ConsensusMessage {
        @Override
        public void encode(CanonicalWriter w) {
            w.u8(6).list(blocks, (out, b) -> b.encode(out));
        }
    }

    static ConsensusMessage decode(byte[] bytes) {
        return CanonicalReader.decode(bytes, r -> {
            int tag = r.u8();
            return switch (tag) {
                case 1 -> new Proposal(Block.decode(r), r.optional(TimeoutCert::decode));
                case 2 -> new VoteMsg(Vote.decode(r));
                case 3 -> new Timeout(TimeoutMsg.decode(r));
                case 4 -> new Sync(SyncInfo.decode(r));
                case 5 -> new BlockRequest(BlockId.decode(r), r.u16());
                case 6 -> new BlockResponse(r.list(Limits.MAX_BLOCKS_PER_RESPONSE, Block::decode));
                default -> throw new CodecException("unknown consensus message tag " + tag);
            };
        });
    }
}
