package io.backplane.admin.server;

import java.util.function.LongSupplier;

/**
 * The admin plane's request budget: a token bucket of {@code perSecond} requests a second (a burst of as many), over
 * every client together. What it refuses is answered 429 before anything else is done for it, so a flood of admin
 * requests costs the node no more than the budget's worth of work.
 */
final class RequestBudget {
    private final int perSecond;
    private final LongSupplier nanos;
    private double tokens;
    private long last;

    RequestBudget(int perSecond, LongSupplier nanos) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("the request budget must be at least 1 a second, got " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanos = nanos;
        this.tokens = perSecond;
        this.last = nanos.getAsLong();
    }

    int perSecond() {
        return perSecond;
    }

    synchronized boolean take() {
        long now = nanos.getAsLong();
        tokens = Math.min(perSecond, tokens + (now - last) / 1e9 * perSecond);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
