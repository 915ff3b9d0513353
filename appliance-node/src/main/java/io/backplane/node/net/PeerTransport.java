package io.backplane.node.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.KeyManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-to-node transport. Each node dials every peer for its own outbound traffic and accepts peers' connections
 * for their inbound traffic (one direction per connection), over TLS 1.3 with both sides authenticated against the
 * validator directory. Sending never blocks: each peer has a bounded, lane-prioritised queue drained only while its
 * socket is writable, so a slow or dead peer costs only its own queue.
 *
 * <p>Delivery is at most once and in order per peer and lane while a connection lasts: frames queued or in flight
 * when a connection drops are counted as dropped, and nothing is retransmitted (the consensus layer recovers through
 * its own timeouts and sync).
 *
 * <p>Threading: {@link #send} and {@link #broadcast} may be called from any thread; {@link Inbound} is called on an
 * event-loop thread.
 */
public final class PeerTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTransport.class);

    private final TransportConfig config;
    private final NativeTransport transport;
    private final EventLoopGroup group;
    private final ChannelGroup accepted;
    private final Map<Integer, PeerLink> links;
    private final Map<Integer, PeerCounters> counters;
    private final Inbound inbound;
    private volatile Set<Integer> blocked = Set.of();
    private Channel server;
    private volatile boolean closed;

    private PeerTransport(TransportConfig config, NativeTransport transport, EventLoopGroup group,
            Map<Integer, PeerLink> links, Map<Integer, PeerCounters> counters, Inbound inbound) {
        this.config = config;
        this.transport = transport;
        this.group = group;
        this.accepted = new DefaultChannelGroup("transport-" + config.self(), GlobalEventExecutor.INSTANCE);
        this.links = links;
        this.counters = counters;
        this.inbound = inbound;
    }

    /**
     * Binds the listen address, starts dialing every peer and returns; fails (naming the cause) when the address
     * cannot be bound, the TLS contexts cannot be built, or a demanded native transport cannot load.
     *
     * @param keys      this node's TLS key and certificate (in the node, the HSM token's, so the key stays inside)
     * @param directory the validator index of a public key, empty for a key that is not a validator's
     * @param inbound   where frames from peers go
     */
    public static PeerTransport start(TransportConfig config, KeyManagerFactory keys,
            Function<PublicKey, OptionalInt> directory, Inbound inbound) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(inbound, "inbound");
        NativeTransport transport = NativeTransport.choose(config.nativeTransport());
        LOG.info("transport {}: using {} ({})", config.self(), transport.name(), transport.reason());
        SslContext serverTls = TlsContexts.server(keys, directory);
        int threads = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("transport-" + config.self(), true), transport.ioHandler().get());
        Map<Integer, PeerCounters> counters = new HashMap<>();
        Map<Integer, PeerLink> links = new HashMap<>();
        long window = TransportConfig.MALFORMED_WINDOW.toNanos();
        long refuse = config.backoffMax().toNanos();
        try {
            for (var e : config.peers().entrySet()) {
                int peer = e.getKey();
                if (peer == config.self()) {
                    continue;
                }
                PeerCounters c = new PeerCounters(TransportConfig.MALFORMED_LIMIT, window, refuse);
                counters.put(peer, c);
                links.put(peer, new PeerLink(config.self(), peer, e.getValue(),
                        TlsContexts.client(keys, directory, peer), group.next(), transport.socketChannel(),
                        config.queueCapacity(), config.queueBytes(), c, config.backoffMin(), config.backoffMax()));
            }
            PeerTransport t = new PeerTransport(config, transport, group, Map.copyOf(links), Map.copyOf(counters),
                    inbound);
            t.bind(serverTls, directory);
            t.links.values().forEach(PeerLink::start);
            return t;
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private void bind(SslContext tls, Function<PublicKey, OptionalInt> directory) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.add(ch);
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast("inbound", new InboundHandler(config.self(), config.maxFrameBytes(),
                                directory, counters, peer -> blocked.contains(peer), inbound));
                    }
                });
        var bound = b.bind(config.listen()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new IllegalStateException("transport " + config.self() + ": cannot listen on " + config.listen()
                    + ": " + bound.cause(), bound.cause());
        }
        server = bound.channel();
        LOG.info("transport {}: listening on {}", config.self(), server.localAddress());
    }

    /**
     * Queues a payload for a peer; never blocks and never fails for a slow or down peer (a full queue sheds by lane
     * priority, counted in {@link PeerStats#dropped()}). Sending to {@code self} delivers locally through
     * {@link Inbound} on an event-loop thread. The payload is not copied: do not change it after the call.
     *
     * @throws IllegalArgumentException for an index that is not a configured validator, or a payload over
     *                                  {@link TransportConfig#maxPayloadBytes()}
     */
    public void send(int to, Lane lane, byte[] payload) {
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(payload, "payload");
        if (payload.length > config.maxPayloadBytes()) {
            throw new IllegalArgumentException("transport: payload of " + payload.length + " bytes is over the frame"
                    + " limit of " + config.maxPayloadBytes());
        }
        if (to == config.self()) {
            deliverLocally(lane, payload);
            return;
        }
        PeerLink link = links.get(to);
        if (link == null) {
            throw new IllegalArgumentException("transport: validator " + to + " is not a configured peer (peers: "
                    + new TreeMap<>(config.peers()).keySet() + ")");
        }
        if (!closed) {
            link.send(lane, payload);
        }
    }

    private void deliverLocally(Lane lane, byte[] payload) {
        if (closed) {
            return;
        }
        try {
            group.next().execute(() -> {
                try {
                    inbound.received(config.self(), lane, payload);
                } catch (RuntimeException | AssertionError e) {
                    LOG.warn("transport {}: inbound handler failed on a local {} frame", config.self(), lane, e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("transport {}: closing, local {} frame dropped", config.self(), lane);
        }
    }

    /** Queues a payload for every peer but self. */
    public void broadcast(Lane lane, byte[] payload) {
        for (int peer : links.keySet()) {
            send(peer, lane, payload);
        }
    }

    /**
     * Fault hook for partition tests: drops all traffic to and from these peers (their queues too) until called
     * again without them; {@code block(Set.of())} heals. Connections stay up, so healing is immediate.
     */
    public void block(Set<Integer> peers) {
        Set<Integer> now = Set.copyOf(peers);
        blocked = now;
        links.forEach((peer, link) -> link.block(now.contains(peer)));
    }

    /** The bound listen address (the real port when {@code listen} asked for port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    /** {@code io_uring}, {@code epoll} or {@code nio}. */
    public String nativeTransport() {
        return transport.name();
    }

    /** Why {@link #nativeTransport()} was chosen, with the causes of any fallback. */
    public String nativeTransportReason() {
        return transport.reason();
    }

    /** A snapshot of every peer's counters, by validator index. */
    public Map<Integer, PeerStats> stats() {
        Map<Integer, PeerStats> out = new TreeMap<>();
        links.forEach((peer, link) -> {
            PeerCounters c = counters.get(peer);
            out.put(peer, new PeerStats(link.connected(), c.inbound.size(), link.queueDepth(),
                    PeerCounters.perLane(c.sent), PeerCounters.perLane(c.dropped), PeerCounters.perLane(c.received),
                    c.malformed.get(), c.inboundErrors.get(), c.reconnects.get()));
        });
        return out;
    }

    /** Closes every connection and the listener, and stops the event loops; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        links.values().forEach(PeerLink::close);
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        accepted.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        var done = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boolean onLoop = false;
        for (EventExecutor e : group) {
            onLoop |= e.inEventLoop();
        }
        if (!onLoop) { // waiting from an event-loop thread (an Inbound closing us) would wait for itself
            done.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        LOG.info("transport {}: closed", config.self());
    }
}
