package io.backplane.plugin.host;

import java.util.List;

/**
 * What the health endpoint shows about the plugin plane: the isolation in force ({@code bubblewrap}, {@code weak} or
 * {@code unavailable}, with the cause), whether the determinism scan is on, and each loaded plugin's state.
 */
public record Health(String sandbox, String cause, boolean scanEnabled, List<PluginHealth> plugins) {
    /** One loaded plugin: quarantined or not, and its failures in a row. */
    public record PluginHealth(String id, boolean quarantined, int consecutiveFailures) {
    }

    /** Healthy when enclaves run in namespaces and no plugin is quarantined. */
    public boolean healthy() {
        return sandbox.equals("bubblewrap") && plugins.stream().noneMatch(PluginHealth::quarantined);
    }
}
