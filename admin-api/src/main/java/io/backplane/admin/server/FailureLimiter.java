package io.backplane.admin.server;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rate-limits clients that keep failing authentication or authorisation: an address with {@code maxFailures}
 * failures within {@code windowMillis} is answered 429 until its oldest failure leaves the window. Bounded: at most
 * {@code maxClients} addresses are tracked (the least recently failing forgotten first).
 */
final class FailureLimiter {
    private final int maxFailures;
    private final long windowMillis;
    private final int maxClients;
    private final LongSupplier clock;
    private final Map<String, Deque<Long>> failures;

    FailureLimiter(int maxFailures, long windowMillis, int maxClients, LongSupplier clock) {
        if (maxFailures < 1 || windowMillis < 1 || maxClients < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.maxFailures = maxFailures;
        this.windowMillis = windowMillis;
        this.maxClients = maxClients;
        this.clock = clock;
        this.failures = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
                return size() > FailureLimiter.this.maxClients;
            }
        };
    }

    /** Seconds {@code client} must wait before it is heard again; 0 when it may send now. */
    synchronized long retryAfterSeconds(String client) {
        Deque<Long> d = failures.get(client);
        if (d == null) {
            return 0;
        }
        long now = clock.getAsLong();
        while (!d.isEmpty() && d.peekFirst() <= now - windowMillis) {
            d.removeFirst();
        }
        if (d.isEmpty()) {
            failures.remove(client);
            return 0;
        }
        return d.size() >= maxFailures ? Math.max(1, (d.peekFirst() + windowMillis - now + 999) / 1000) : 0;
    }

    synchronized void failed(String client) {
        Deque<Long> d = failures.computeIfAbsent(client, k -> new ArrayDeque<>());
        d.addLast(clock.getAsLong());
        while (d.size() > maxFailures) {
            d.removeFirst();
        }
    }
}
