package io.backplane.node.consensus.types;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;

/** One validator: its BLS public key (compressed G1, or the simulated scheme's key id) and its stake. */
public record Validator(byte[] publicKey, long stake) {
    public Validator {
        if (stake <= 0) {
            throw new IllegalArgumentException("validator stake must be positive, got " + stake);
        }
        publicKey = publicKey.clone();
    }

    public void encode(CanonicalWriter w) {
        w.bytes(publicKey).u64(stake);
    }

    public static Validator decode(CanonicalReader r) {
        return new Validator(r.bytes(Limits.MAX_PUBLIC_KEY), r.u64());
    }
}
