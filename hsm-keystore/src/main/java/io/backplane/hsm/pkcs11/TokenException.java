package io.backplane.hsm.pkcs11;

import io.backplane.hsm.SigningException;

/**
 * The token could not be used: library, slot, PIN, key or mechanism. {@link #retryable()} when reopening may help
 * (token lost or not yet back). A {@link SigningException}, so callers of the guarded signer handle one type.
 */
public final class TokenException extends SigningException {
    public TokenException(String message, boolean retryable, Throwable cause) {
        super(message, retryable, cause);
    }
}
