package io.backplane.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * The wire format: a 4-byte big-endian body length, then the body: one lane byte and the payload. The decoder caps
 * the body at {@link TransportConfig#maxFrameBytes()}; a longer frame is skipped (its bytes discarded as they arrive)
 * and reported as a {@link Malformed} message, as is a negative length.
 */
final class Frames {
    static final int LENGTH_BYTES = 4;

    private Frames() {
    }

    /** A frame for a lane and payload. */
    static ByteBuf encode(ByteBufAllocator alloc, Lane lane, byte[] payload) {
        ByteBuf buf = alloc.buffer(LENGTH_BYTES + 1 + payload.length);
        buf.writeInt(1 + payload.length);
        buf.writeByte(lane.code());
        buf.writeBytes(payload);
        return buf;
    }

    /** Splits the stream into bodies (length prefix stripped); an oversize or negative length becomes a {@link Malformed}. */
    static LengthFieldBasedFrameDecoder decoder(int maxFrameBytes) {
        return new Decoder(maxFrameBytes);
    }

    /** What the decoder emits in place of a frame it had to skip. */
    record Malformed(String reason) {
    }

    /**
     * Netty's length-field decoder, failing fast on an oversize length (its bytes are skipped as they arrive), with
     * its complaints turned into {@link Malformed} messages: an exception would stop decoding what is already
     * buffered behind the bad frame until more bytes arrive, delaying the valid frames that follow.
     */
    private static final class Decoder extends LengthFieldBasedFrameDecoder {
        Decoder(int maxFrameBytes) {
            super(maxFrameBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
        }

        @Override
        protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
            try {
                return super.decode(ctx, in);
            } catch (TooLongFrameException | CorruptedFrameException e) {
                return new Malformed(e.getMessage());
            }
        }
    }
}
