package io.backplane.hsm.pkcs11;

/** The token could not be used: library, slot, PIN or mechanism. {@code retryable} when reopening may help. */
public final class TokenException extends RuntimeException {
    private final boolean retryable;

    public TokenException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
