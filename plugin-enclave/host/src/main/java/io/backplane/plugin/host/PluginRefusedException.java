package io.backplane.plugin.host;

/** The host will not run this plugin here; the message names every reason. */
public final class PluginRefusedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final UndecidedReason reason;

    public PluginRefusedException(UndecidedReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public UndecidedReason reason() {
        return reason;
    }
}
