package io.backplane.plugin.host;

import java.time.Duration;

/**
 * One running instance of a plugin that answers framed calls: a sandboxed child process ({@link Enclave}) or, for
 * trusted code and tests, the same plugin in this JVM ({@link InProcessEndpoint}). Both speak the same canonical bytes.
 */
public interface PluginEndpoint extends AutoCloseable {
    /**
     * Sends one request and waits at most {@code deadline} for its answer.
     *
     * @throws EnclaveFailure when there is no valid answer in time; when {@link UndecidedReason#killsEnclave()}, the
     *                        endpoint is already dead and must be replaced
     */
    byte[] call(String method, byte[] payload, Duration deadline) throws EnclaveFailure;

    /** Whether the endpoint can still take calls. */
    boolean alive();

    /** Stops the endpoint (kills the process for an enclave). Idempotent. */
    @Override
    void close();
}
