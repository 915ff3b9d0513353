package io.backplane.accel;

import java.util.function.LongSupplier;

/**
 * Keeps a failing device out of the way: closed (device used), open (CPU only until a deadline), then half-open
 * (one trial call goes to the device; success closes, failure reopens with a doubled cool-down, capped).
 * Time comes from the injected clock. Thread-safe.
 */
public final class CircuitBreaker {
    /** What the breaker says about the next call. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final LongSupplier nanoClock;
    private final long baseNanos;
    private final long maxNanos;
    private long coolDownNanos;
    private long openUntil;
    private boolean open;
    private boolean trialInFlight;

    public CircuitBreaker(LongSupplier nanoClock, long baseNanos, long maxNanos) {
        this.nanoClock = nanoClock;
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.coolDownNanos = baseNanos;
    }

    /** Whether this call may go to the device; in half-open state only one caller gets true. */
    public synchronized boolean allowDevice() {
        if (!open) {
            return true;
        }
        if (trialInFlight || nanoClock.getAsLong() - openUntil < 0) {
            return false;
        }
        trialInFlight = true;
        return true;
    }

    public synchronized void onSuccess() {
        open = false;
        trialInFlight = false;
        coolDownNanos = baseNanos;
    }

    public synchronized void onFailure() {
        if (open) {
            coolDownNanos = Math.min(maxNanos, coolDownNanos * 2);
        }
        open = true;
        trialInFlight = false;
        openUntil = nanoClock.getAsLong() + coolDownNanos;
    }

    public synchronized State state() {
        if (!open) {
            return State.CLOSED;
        }
        return nanoClock.getAsLong() - openUntil < 0 ? State.OPEN : State.HALF_OPEN;
    }
}
