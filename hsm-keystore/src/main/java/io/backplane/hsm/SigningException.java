package io.backplane.hsm;

/**
 * A signature was not released. {@link #retryable()} says whether the same request may succeed later (token
 * reopened, disk space freed) or never will (a double-sign refusal, an unknown key).
 */
public class SigningException extends RuntimeException {
    private final boolean retryable;

    public SigningException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public SigningException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
