package io.backplane.plugin.host;

/** Starts a fresh endpoint for one plugin; called again after each crash (with backoff). */
@FunctionalInterface
public interface EndpointFactory {
    PluginEndpoint start() throws EnclaveFailure;
}
