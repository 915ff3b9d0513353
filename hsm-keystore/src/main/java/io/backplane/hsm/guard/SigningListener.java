package io.backplane.hsm.guard;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningRequest;

/**
 * Told of every outcome of {@link GuardedSigning} (the audit trail listens). Called before a signature is released:
 * if it throws, the signature is not released.
 */
public interface SigningListener {
    void signed(SigningRequest request, byte[] sha256, byte[] signature, boolean repeated);

    /** The guard's durable record of a fresh signature, carrying the audit copy it is given (null: none). */
    @FunctionalInterface
    interface GuardRecord {
        void record(SigningGuard.AuditCopy audit);
    }

    /**
     * A fresh signature: {@code record} must be called once, to make it durable in the guard log, before this returns
     * (nothing is released before). The default records it, then tells {@link #signed}. The audit trail instead hands
     * its entry's bytes to {@code record}, so the guard's one fsync makes both durable
     * ({@link io.backplane.hsm.audit.AuditLog#appendDurably}).
     */
    default void recordSigned(SigningRequest request, byte[] sha256, byte[] signature, GuardRecord record) {
        record.record(null);
        signed(request, sha256, signature, false);
    }

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
