package io.backplane.node.net;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The transport's settings.
 *
 * @param self            this node's validator index
 * @param listen          where to accept peers' connections (port 0: any free port, see
 *                        {@link PeerTransport#localAddress()})
 * @param peers           every validator's dial address by index; an entry for {@code self} is allowed and ignored
 * @param maxFrameBytes   the largest frame body (lane byte + payload) sent or accepted; a larger incoming frame is
 *                        counted as malformed and skipped
 * @param queueCapacity   messages queued per peer (all lanes together) while it is slow or down; the queue is also
 *                        bounded in bytes ({@link #queueBytes()})
 * @param backoffMin      first reconnect delay after a failed or lost connection
 * @param backoffMax      cap of the doubling reconnect delay; also how long a peer that sent too many malformed
 *                        frames is refused
 * @param nativeTransport {@code auto} (io_uring, then epoll, then NIO), or one of {@code io_uring}, {@code epoll},
 *                        {@code nio} demanded (start fails, naming the cause, when it cannot load)
 */
public record TransportConfig(int self, InetSocketAddress listen, Map<Integer, InetSocketAddress> peers,
        int maxFrameBytes, int queueCapacity, Duration backoffMin, Duration backoffMax, String nativeTransport) {

    /** Default {@link #maxFrameBytes}: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;
    /** Default {@link #queueCapacity}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;
    /** Default {@link #backoffMin}. */
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(100);
    /** Default {@link #backoffMax}. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(5);
    /** Malformed frames a peer may send within {@link #MALFORMED_WINDOW}; one more and it is disconnected. */
    public static final int MALFORMED_LIMIT = 8;
    /** The window over which {@link #MALFORMED_LIMIT} is counted. */
    public static final Duration MALFORMED_WINDOW = Duration.ofSeconds(10);

    /** The largest {@link #maxFrameBytes} allowed: 1 GiB. */
    public static final int MAX_FRAME_BYTES_LIMIT = 1 << 30;
    /**
     * Payload bytes queued per peer (all lanes), besides {@link #queueCapacity}: 64 MiB, or one largest frame when
     * that is more.
     */
    public static final long QUEUE_BYTES_PER_PEER = 64L << 20;
    /**
     * Authenticated connections one peer may hold open to us at once (a reconnecting peer briefly holds two); a new
     * one over the cap closes its oldest.
     */
    public static final int MAX_INBOUND_PER_PEER = 4;

    private static final Set<String> NATIVE = Set.of("auto", "io_uring", "epoll", "nio");

    public TransportConfig {
        Objects.requireNonNull(listen, "transport config: listen");
        peers = Map.copyOf(Objects.requireNonNull(peers, "transport config: peers"));
        if (self < 0) {
            throw new IllegalArgumentException("transport config: self index must be >= 0, got " + self);
        }
        if (maxFrameBytes < 2 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
            throw new IllegalArgumentException("transport config: maxFrameBytes must be in 2.." + MAX_FRAME_BYTES_LIMIT
                    + ", got " + maxFrameBytes);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("transport config: queueCapacity must be >= 1, got " + queueCapacity);
        }
        Objects.requireNonNull(backoffMin, "transport config: backoffMin");
        Objects.requireNonNull(backoffMax, "transport config: backoffMax");
        if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
            throw new IllegalArgumentException("transport config: need 0 < backoffMin <= backoffMax, got "
                    + backoffMin + " and " + backoffMax);
        }
        if (!NATIVE.contains(nativeTransport)) {
            throw new IllegalArgumentException("transport config: nativeTransport must be one of auto, io_uring, epoll,"
                    + " nio; got " + nativeTransport);
        }
        for (var e : peers.entrySet()) {
            if (e.getKey() < 0 || e.getValue() == null) {
                throw new IllegalArgumentException("transport config: bad peer entry " + e);
            }
        }
    }

    /** The defaults above with automatic native transport choice. */
    public static TransportConfig defaults(int self, InetSocketAddress listen, Map<Integer, InetSocketAddress> peers) {
        return new TransportConfig(self, listen, peers, DEFAULT_MAX_FRAME_BYTES, DEFAULT_QUEUE_CAPACITY,
                DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX, "auto");
    }

    /** The payload bytes one peer's queue holds at most. */
    public long queueBytes() {
        return Math.max(QUEUE_BYTES_PER_PEER, maxFrameBytes);
    }

    /** The largest payload {@link PeerTransport#send} accepts (the frame body less its lane byte). */
    public int maxPayloadBytes() {
        return maxFrameBytes - 1;
    }
}
