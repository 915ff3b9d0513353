package io.backplane.node.net;

import java.util.random.RandomGenerator;

/**
 * When to re-dial a peer: capped exponential backoff with jitter, a uniform delay in [d/2, d] where
 * d = min(max, min * 2^failures). A connection resets the count only once it has lasted {@code stableNanos}: a peer
 * that completes the handshake and then cuts us off (it does not list our key; a TLS 1.3 client learns that only
 * after its side of the handshake is done) is re-dialed with growing delays, not hammered. Not thread-safe: one
 * event loop owns it. Times are the caller's monotonic nanoseconds.
 */
final class ReconnectBackoff {
    private final long minNanos;
    private final long maxNanos;
    private final long stableNanos;
    private final RandomGenerator random;
    private int failures;
    private long upSince = -1;
    private boolean up;

    ReconnectBackoff(long minNanos, long maxNanos, long stableNanos, RandomGenerator random) {
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.stableNanos = stableNanos;
        this.random = random;
    }

    /** The connection is up (handshake done) at {@code now}. */
    void connected(long now) {
        up = true;
        upSince = now;
    }

    /** The connection failed or dropped at {@code now}: the delay before the next dial. */
    long lost(long now) {
        if (up && now - upSince >= stableNanos) {
            failures = 0;
        }
        up = false;
        long d = minNanos;
        for (int i = 0; i < failures && d < maxNanos; i++) {
            d *= 2;
        }
        d = Math.min(d, maxNanos);
        failures++;
        return d / 2 + random.nextLong(d / 2 + 1);
    }
}
