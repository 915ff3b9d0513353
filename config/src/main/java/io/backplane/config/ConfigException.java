package io.backplane.config;

/** A configuration that cannot be used; the message names the offending key (or file) and what was expected. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The message convention every section validator uses, so that errors always name the key. */
    public static IllegalArgumentException badKey(String key, String problem) {
        return new IllegalArgumentException("config key `" + key + "`: " + problem);
    }
}
