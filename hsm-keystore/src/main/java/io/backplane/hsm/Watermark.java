package io.backplane.hsm;

/** The highest (epoch, round) a key has signed for one kind; requests at or below it are refused. */
public record Watermark(String keyId, SigningKind kind, long epoch, long round) {
    /** True when (epoch, round) is at or below this watermark. */
    public boolean covers(long e, long r) {
        return e < epoch || (e == epoch && r <= round);
    }

    /** True when this watermark is above (epoch, round). */
    public boolean isAbove(long e, long r) {
        return epoch > e || (epoch == e && round > r);
    }
}
