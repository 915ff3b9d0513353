package io.backplane.plugin.host.lifecycle;

/** A lifecycle step that the current state does not allow, or a plugin the store refuses; the message says why. */
public final class LifecycleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LifecycleException(String message) {
        super(message);
    }
}
