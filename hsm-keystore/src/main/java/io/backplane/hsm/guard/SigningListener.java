package io.backplane.hsm.guard;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningRequest;

/**
 * Told of every outcome of {@link GuardedSigning} (the audit trail listens). Called before a signature is released:
 * if it throws, the signature is not released.
 */
public interface SigningListener {
    void signed(SigningRequest request, byte[] sha256, byte[] signature, boolean repeated);

    void refused(SigningRequest request, byte[] sha256, DoubleSignRefused refusal);

    /**
     * The guard approved the request but no signature came out (unknown key, token lost, guard store full): nothing
     * was released. {@link GuardedSigning} rethrows {@code failure} afterwards, with anything this throws suppressed.
     */
    default void failed(SigningRequest request, byte[] sha256, RuntimeException failure) {
    }

    SigningListener NONE = new SigningListener() {
        @Override
        public void signed(SigningRequest request, byte[] sha256, byte[] signature, boolean repeated) {
        }

        @Override
        public void refused(SigningRequest request, byte[] sha256, DoubleSignRefused refusal) {
        }
    };
}
