package io.backplane.plugin.host;

/** A call into a plugin endpoint failed; {@link #reason()} says how, the message says what happened. */
public final class EnclaveFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final UndecidedReason reason;

    public EnclaveFailure(UndecidedReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public UndecidedReason reason() {
        return reason;
    }
}
