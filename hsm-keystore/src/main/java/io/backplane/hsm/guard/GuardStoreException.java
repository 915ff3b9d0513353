package io.backplane.hsm.guard;

import io.backplane.hsm.SigningException;

/**
 * The guard could not make a record durable (disk full, I/O error) or read its store. The signature was not released.
 * Retryable once the disk has room again, unless the store itself is damaged.
 */
public final class GuardStoreException extends SigningException {
    public GuardStoreException(String message, boolean retryable, Throwable cause) {
        super(message, retryable, cause);
    }
}
