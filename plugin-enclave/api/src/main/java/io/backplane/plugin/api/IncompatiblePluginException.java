package io.backplane.plugin.api;

/** A plugin built for a plugin API range that excludes the host's version. */
public final class IncompatiblePluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public IncompatiblePluginException(String message) {
        super(message);
    }
}
