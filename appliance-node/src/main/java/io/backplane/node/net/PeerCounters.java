package io.backplane.node.net;

import io.netty.channel.Channel;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One peer's counters and its malformed-frame budget, shared by its outbound link and its inbound connections.
 * Time is the caller's monotonic nanoseconds (metrics and abuse windows only, never protocol decisions).
 */
final class PeerCounters {
    private static final Lane[] LANES = Lane.values();

    final AtomicLongArray sent = new AtomicLongArray(LANES.length);
    final AtomicLongArray dropped = new AtomicLongArray(LANES.length);
    final AtomicLongArray received = new AtomicLongArray(LANES.length);
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong inboundErrors = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    /** Its authenticated connections to us, oldest first. */
    final Deque<Channel> inbound = new ConcurrentLinkedDeque<>();

    private final int malformedLimit;
    private final long windowNanos;
    private final long refuseNanos;
    private long windowStart;
    private int windowCount;
    private long refusedUntil;
    private boolean refusing;

    PeerCounters(int malformedLimit, long windowNanos, long refuseNanos) {
        this.malformedLimit = malformedLimit;
        this.windowNanos = windowNanos;
        this.refuseNanos = refuseNanos;
    }

    /**
     * Counts a malformed frame at {@code now}; true when the peer has now gone over its budget for the window, in
     * which case it is refused for the refusal period from now.
     */
    synchronized boolean malformed(long now) {
        malformed.incrementAndGet();
        if (windowCount == 0 || now - windowStart > windowNanos) {
            windowStart = now;
            windowCount = 0;
        }
        windowCount++;
        if (windowCount > malformedLimit) {
            refusing = true;
            refusedUntil = now + refuseNanos;
            windowCount = 0;
            return true;
        }
        return false;
    }

    /** Whether the peer's connections are refused at {@code now} (it sent too many malformed frames recently). */
    synchronized boolean refused(long now) {
        if (refusing && now - refusedUntil >= 0) {
            refusing = false;
        }
        return refusing;
    }

    static Map<Lane, Long> perLane(AtomicLongArray a) {
        Map<Lane, Long> m = new EnumMap<>(Lane.class);
        for (Lane l : LANES) {
            m.put(l, a.get(l.ordinal()));
        }
        return m;
    }
}
