package io.backplane.hsm;

/**
 * The guard refused a signing request because the key has already signed at or above that (epoch, round) for the same
 * kind with different bytes. Carries the conflicting watermark. Not retryable: the same request will always be refused.
 */
public final class DoubleSignRefused extends SigningException {
    private final transient Watermark watermark;

    public DoubleSignRefused(String message, Watermark watermark) {
        super(message, false);
        this.watermark = watermark;
    }

    public Watermark watermark() {
        return watermark;
    }
}
