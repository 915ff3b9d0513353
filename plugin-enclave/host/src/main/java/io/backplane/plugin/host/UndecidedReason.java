package io.backplane.plugin.host;

/** Why a plugin gave no answer. The caller abstains; it never substitutes another algorithm. */
public enum UndecidedReason {
    /** The plugin was refused at load (manifest, signature, digest, API range or bytecode scan). */
    REFUSED,
    /** The sandbox cannot be created here and the operator did not allow the weaker mode. */
    SANDBOX_UNAVAILABLE,
    /** The feature flags do not enable this plugin on this node. */
    DISABLED,
    /** The enclave process died (exit, out of memory, CPU limit) or could not start. */
    CRASHED,
    /** The call ran past its deadline; the enclave was killed. */
    DEADLINE_MISSED,
    /** The enclave wrote bytes that are not a well-formed response frame; it was killed. */
    PROTOCOL_VIOLATION,
    /** The plugin threw an exception; the enclave is still healthy. */
    PLUGIN_ERROR,
    /** The plugin answered something that breaks its kind's contract (wrong length, unknown validator, ...). */
    INVALID_ANSWER,
    /** The enclave failed recently and is waiting out its restart backoff. */
    BACKING_OFF,
    /** The plugin failed too often in a row; an operator must release or roll it back. */
    QUARANTINED,
    /** Sampled dual execution got two different answers for the same request. */
    NON_DETERMINISTIC;

    /** Whether this failure means the enclave process can no longer be trusted and must be restarted. */
    public boolean killsEnclave() {
        return this == CRASHED || this == DEADLINE_MISSED || this == PROTOCOL_VIOLATION;
    }

    /** The metric label. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
