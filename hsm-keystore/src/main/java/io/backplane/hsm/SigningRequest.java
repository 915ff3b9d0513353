package io.backplane.hsm;

import java.util.Arrays;
import java.util.Objects;

/**
 * One consensus signing request: which key, the (epoch, round, kind) it is for, and the exact bytes to sign.
 * The guard compares {@code bytes} by SHA-256; the bytes are copied so a caller cannot change them afterwards.
 */
public record SigningRequest(String keyId, long epoch, long round, SigningKind kind, byte[] bytes) {
    public SigningRequest {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(bytes, "bytes");
        if (epoch < 0 || round < 0) {
            throw new IllegalArgumentException("epoch and round must be >= 0, got epoch " + epoch + " round " + round);
        }
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigningRequest r && r.keyId.equals(keyId) && r.epoch == epoch && r.round == round
                && r.kind == kind && Arrays.equals(r.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyId, epoch, round, kind, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "SigningRequest[" + keyId + " epoch " + epoch + " round " + round + " " + kind.wireName() + ", " + bytes.length + " bytes]";
    }
}
