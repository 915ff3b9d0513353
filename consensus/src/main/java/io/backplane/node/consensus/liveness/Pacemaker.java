package io.backplane.node.consensus.liveness;

/**
 * Round bookkeeping and round timeouts: the timeout doubles with every round entered through a timeout
 * certificate (capped) and returns to the base when a round is entered through a QC. Pure arithmetic: the caller
 * owns the timer service and asks for the duration.
 */
public final class Pacemaker {
    private final long baseTimeoutMs;
    private final int maxExponent;
    private long round;
    private int consecutiveTimeouts;

    public Pacemaker(long baseTimeoutMs, int maxExponent) {
        if (baseTimeoutMs <= 0 || maxExponent < 0 || maxExponent > 20) {
            throw new IllegalArgumentException("pacemaker: base timeout must be > 0 ms and the exponent cap 0..20");
        }
        this.baseTimeoutMs = baseTimeoutMs;
        this.maxExponent = maxExponent;
    }

    public long round() {
        return round;
    }

    /**
     * Moves to {@code newRound} if it is higher; {@code byQc} says whether a QC (progress) or a TC got us there.
     * Returns whether the round changed.
     */
    public boolean advanceTo(long newRound, boolean byQc) {
        if (newRound <= round) {
            return false;
        }
        consecutiveTimeouts = byQc ? 0 : consecutiveTimeouts + 1;
        round = newRound;
        return true;
    }

    /** How long to wait in the current round before timing out. */
    public long currentTimeoutMs() {
        return baseTimeoutMs << Math.min(consecutiveTimeouts, maxExponent);
    }
}
