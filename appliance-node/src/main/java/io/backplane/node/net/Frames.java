package io.backplane.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * The wire format: a 4-byte big-endian body length, then the body: one lane byte and the payload. The decoder caps
 * the body at {@link TransportConfig#maxFrameBytes()}; a longer frame is skipped (its bytes discarded as they arrive)
 * and reported as a {@link io.netty.handler.codec.TooLongFrameException}.
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

    /** Splits the stream into bodies (length prefix stripped); fails fast on an oversize length. */
    static LengthFieldBasedFrameDecoder decoder(int maxFrameBytes) {
        return new LengthFieldBasedFrameDecoder(maxFrameBytes + LENGTH_BYTES, 0, LENGTH_BYTES, 0, LENGTH_BYTES, true);
    }
}
