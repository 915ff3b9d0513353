package io.backplane.node.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.IntPredicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted connection. Nothing is decoded before the TLS handshake names the peer; then the frame decoder is
 * installed and every frame is delivered as coming from the certificate's validator index. Malformed frames are
 * counted and skipped; too many in the window cut the connection and refuse the peer for a while. Nothing the peer
 * sends, and nothing {@link Inbound} throws, leaves this handler.
 */
final class InboundHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundHandler.class);

    private final int self;
    private final int maxFrameBytes;
    private final Function<PublicKey, OptionalInt> directory;
    private final Map<Integer, PeerCounters> counters;
    private final IntPredicate blocked;
    private final Inbound inbound;

    private int from = -1;
    private PeerCounters peer;
    /** Set when the peer went over its malformed budget: what is already buffered behind that is not delivered. */
    private boolean cut;

    InboundHandler(int self, int maxFrameBytes, Function<PublicKey, OptionalInt> directory,
            Map<Integer, PeerCounters> counters, IntPredicate blocked, Inbound inbound) {
        this.self = self;
        this.maxFrameBytes = maxFrameBytes;
        this.directory = directory;
        this.counters = counters;
        this.blocked = blocked;
        this.inbound = inbound;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (hs.isSuccess()) {
                authenticated(ctx);
            } else {
                LOG.debug("transport {}: inbound TLS handshake from {} failed: {}", self, ctx.channel().remoteAddress(),
                        hs.cause().toString());
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    private void authenticated(ChannelHandlerContext ctx) {
        OptionalInt index = peerIndex(ctx);
        PeerCounters c = index.isPresent() ? counters.get(index.getAsInt()) : null;
        if (c == null || index.getAsInt() == self) {
            LOG.warn("transport {}: inbound connection from {} is not a peer validator ({}); closing", self,
                    ctx.channel().remoteAddress(), index);
            ctx.close();
            return;
        }
        if (c.refused(System.nanoTime())) {
            LOG.debug("transport {}: validator {} is refused for malformed frames; closing", self, index.getAsInt());
            ctx.close();
            return;
        }
        from = index.getAsInt();
        peer = c;
        c.inbound.addLast(ctx.channel());
        // Over the cap the oldest goes, not the new one: a peer that crashed without closing (we never write on
        // these connections, so we would not notice) must not lock itself out when it comes back.
        while (c.inbound.size() > TransportConfig.MAX_INBOUND_PER_PEER) {
            Channel oldest = c.inbound.pollFirst();
            if (oldest != null) {
                LOG.info("transport {}: validator {} opened more than {} connections; closing its oldest", self,
                        from, TransportConfig.MAX_INBOUND_PER_PEER);
                oldest.close();
            }
        }
        ctx.pipeline().addBefore(ctx.name(), "frames", Frames.decoder(maxFrameBytes));
        LOG.info("transport {}: accepted validator {} from {}", self, from, ctx.channel().remoteAddress());
    }

    private OptionalInt peerIndex(ChannelHandlerContext ctx) {
        try {
            Certificate[] chain = ctx.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                return DirectoryTrustManager.indexOf(directory, x);
            }
        } catch (SSLPeerUnverifiedException e) {
            LOG.debug("transport {}: inbound peer unverified: {}", self, e.toString());
        }
        return OptionalInt.empty();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (peer == null || cut) {
                return; // before authentication nothing reaches here (no decoder yet); be safe anyway
            }
            if (msg instanceof Frames.Malformed m) {
                malformed(ctx, m.reason());
                return;
            }
            if (!(msg instanceof ByteBuf body)) {
                return;
            }
            Lane lane = body.isReadable() ? Lane.ofCode(body.readUnsignedByte()) : null;
            if (lane == null) {
                malformed(ctx, "empty frame or unknown lane");
                return;
            }
            if (blocked.test(from)) {
                return;
            }
            byte[] payload = ByteBufUtil.getBytes(body);
            peer.received.incrementAndGet(lane.ordinal());
            try {
                inbound.received(from, lane, payload);
            } catch (RuntimeException | AssertionError e) {
                peer.inboundErrors.incrementAndGet();
                LOG.warn("transport {}: inbound handler failed on a {} frame from validator {}", self, lane, from, e);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void malformed(ChannelHandlerContext ctx, String what) {
        if (peer.malformed(System.nanoTime())) {
            cut = true;
            LOG.warn("transport {}: validator {} sent more than {} malformed frames in {}; disconnecting and refusing"
                    + " it for a while", self, from, TransportConfig.MALFORMED_LIMIT, TransportConfig.MALFORMED_WINDOW);
            ctx.close();
        } else {
            LOG.debug("transport {}: malformed frame from validator {}: {}", self, from, what);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("transport {}: inbound connection from {} failed: {}", self, ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (peer != null) {
            peer.inbound.remove(ctx.channel());
            peer = null;
        }
        super.channelInactive(ctx);
    }
}
