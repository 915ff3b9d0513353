package io.backplane.plugin.samples;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic draws from the epoch seed: draw r is the first 8 bytes of SHA-256(seed || "backplane-leader" || r),
 * read unsigned, reduced modulo the bound. The modulo bias is below 2^-40 for any bound under 2^24, far below what
 * matters for a leader schedule; plugins must not use {@code java.util.Random}, which the host refuses.
 */
final class SeededDraw {
    private static final byte[] DOMAIN = "backplane-leader".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private SeededDraw() {
    }

    static long draw(byte[] seed, long round, long bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive");
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(seed);
            sha.update(DOMAIN);
            sha.update(ByteBuffer.allocate(8).putLong(round).array());
            long v = ByteBuffer.wrap(sha.digest()).getLong();
            return Long.remainderUnsigned(v, bound);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
