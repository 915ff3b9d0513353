package io.backplane.plugin.host;

import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.runtime.EnclaveMain;
import java.time.Duration;
import java.util.List;

/**
 * Runs a plugin object inside this JVM through the same wire encoding as the enclave. For the reference plugins and
 * tests only: there is no isolation and no deadline enforcement, so the host never uses it for an uploaded jar.
 */
public final class InProcessEndpoint implements PluginEndpoint {
    private final Object plugin;
    private final List<PluginKind> kinds;
    private volatile boolean open = true;

    public InProcessEndpoint(Object plugin, List<PluginKind> kinds) {
        this.plugin = plugin;
        this.kinds = List.copyOf(kinds);
    }

    @Override
    public byte[] call(String method, byte[] payload, Duration deadline) throws EnclaveFailure {
        if (!open) {
            throw new EnclaveFailure(UndecidedReason.CRASHED, "endpoint closed");
        }
        try {
            return EnclaveMain.dispatch(plugin, kinds, method, payload);
        } catch (RuntimeException | StackOverflowError e) {
            throw new EnclaveFailure(UndecidedReason.PLUGIN_ERROR, e.getClass().getName() + ": " + e.getMessage());
        }
    }

    @Override
    public boolean alive() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
