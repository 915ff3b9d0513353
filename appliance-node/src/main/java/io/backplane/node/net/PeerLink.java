package io.backplane.node.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our outbound connection to one peer: dials it, re-dials with capped exponential backoff and jitter when the
 * connection fails or drops, and drains the peer's queue into the socket while the channel is writable. All
 * connection state lives on one event loop; callers only touch the queue.
 */
final class PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    /** Flush after this many bytes so the channel's writability reflects what is really pending. */
    private static final int FLUSH_BYTES = 64 * 1024;
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);
    /** A connection must last this long for the reconnect backoff to start again from its minimum. */
    private static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int self;
    private final int peer;
    private final InetSocketAddress address;
    private final SslContext tls;
    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelType;
    private final OutboundQueue queue;
    private final PeerCounters counters;
    private final ReconnectBackoff backoff;
    private final ChannelFutureListener[] writeListeners = new ChannelFutureListener[Lane.values().length];
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    // Event-loop state.
    private Channel channel;
    private boolean ready;
    private boolean closed;
    private boolean dialedOnce;
    private volatile boolean connected;
    private volatile boolean blocked;

    PeerLink(int self, int peer, InetSocketAddress address, SslContext tls, EventLoop loop,
            Class<? extends SocketChannel> channelType, int queueCapacity, long queueBytes, PeerCounters counters,
            Duration backoffMin, Duration backoffMax) {
        this.self = self;
        this.peer = peer;
        this.address = address;
        this.tls = tls;
        this.loop = loop;
        this.channelType = channelType;
        this.counters = counters;
        this.queue = new OutboundQueue(queueCapacity, queueBytes, lane -> counters.dropped.incrementAndGet(lane.ordinal()));
        this.backoff = new ReconnectBackoff(backoffMin.toNanos(), backoffMax.toNanos(), STABLE_NANOS,
                new SplittableRandom());
        for (Lane lane : Lane.values()) {
            int i = lane.ordinal();
            writeListeners[i] = f -> (f.isSuccess() ? counters.sent : counters.dropped).incrementAndGet(i);
        }
    }

    void start() {
        loop.execute(this::dial);
    }

    /** Queues a payload; never blocks. */
    void send(Lane lane, byte[] payload) {
        if (blocked) {
            counters.dropped.incrementAndGet(lane.ordinal());
            return;
        }
        queue.offer(lane, payload);
        scheduleDrain();
    }

    /** Drops traffic to this peer while blocked (what is queued is dropped too). */
    void block(boolean block) {
        blocked = block;
        if (block) {
            queue.clear();
        } else {
            scheduleDrain();
        }
    }

    boolean connected() {
        return connected;
    }

    int queueDepth() {
        return queue.size();
    }

    void close() {
        loop.execute(() -> {
            closed = true;
            if (channel != null) {
                channel.close();
            }
        });
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(() -> {
                    drainScheduled.set(false);
                    drain();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drainScheduled.set(false); // shutting down: what is queued stays undelivered
            }
        }
    }

    private void drain() {
        if (blocked) {
            queue.clear();
            return;
        }
        Channel ch = channel;
        if (!ready || ch == null || !ch.isActive()) {
            return;
        }
        int unflushed = 0;
        while (ch.isWritable()) {
            OutboundQueue.Message m = queue.poll();
            if (m == null) {
                break;
            }
            ByteBuf frame = Frames.encode(ch.alloc(), m.lane(), m.payload());
            unflushed += frame.readableBytes();
            ch.write(frame).addListener(writeListeners[m.lane().ordinal()]);
            if (unflushed >= FLUSH_BYTES) {
                ch.flush();
                unflushed = 0;
            }
        }
        if (unflushed > 0) {
            ch.flush();
        }
    }

    private void dial() {
        if (closed) {
            return;
        }
        if (dialedOnce) {
            counters.reconnects.incrementAndGet();
        }
        dialedOnce = true;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), address.getHostString(),
                                address.getPort()));
                        ch.pipeline().addLast("link", new LinkHandler());
                    }
                });
        Channel ch = b.connect(address).channel();
        channel = ch;
        ready = false;
        ch.closeFuture().addListener(f -> lost(ch));
    }

    private void lost(Channel ch) {
        if (channel != ch) {
            return;
        }
        boolean wasReady = ready;
        channel = null;
        ready = false;
        connected = false;
        if (closed) {
            return;
        }
        long delay = backoff.lost(System.nanoTime());
        if (wasReady) {
            LOG.info("transport {}: lost connection to validator {} at {}; re-dialing in {} ms", self, peer, address,
                    TimeUnit.NANOSECONDS.toMillis(delay));
        } else {
            LOG.debug("transport {}: cannot reach validator {} at {}; re-dialing in {} ms", self, peer, address,
                    TimeUnit.NANOSECONDS.toMillis(delay));
        }
        loop.schedule(this::dial, delay, TimeUnit.NANOSECONDS);
    }

    /** Handshake completion, writability and errors of the outbound channel. */
    private final class LinkHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent hs) {
                if (hs.isSuccess()) {
                    ready = true;
                    backoff.connected(System.nanoTime());
                    connected = true;
                    LOG.info("transport {}: connected to validator {} at {}", self, peer, address);
                    drain();
                } else {
                    LOG.warn("transport {}: TLS handshake with validator {} at {} failed: {}", self, peer, address,
                            hs.cause().toString());
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                drain();
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // one direction per connection: the acceptor never writes
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("transport {}: connection to validator {} failed: {}", self, peer, cause.toString());
            ctx.close();
        }
    }
}
