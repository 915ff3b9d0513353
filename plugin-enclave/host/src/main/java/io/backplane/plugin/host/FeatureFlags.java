package io.backplane.plugin.host;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-plugin, per-node switches: a plugin absent from the map is off; present, it is on for the listed nodes, or for
 * every node when the set is empty. This is how a new plugin runs in a test partition only.
 */
public final class FeatureFlags {
    private final Map<String, Set<String>> enabled;
    private final String overriddenNode;
    private final Map<String, Boolean> overrides;

    private FeatureFlags(Map<String, Set<String>> enabled) {
        this(enabled, null, Map.of());
    }

    private FeatureFlags(Map<String, Set<String>> enabled, String overriddenNode, Map<String, Boolean> overrides) {
        this.enabled = enabled;
        this.overriddenNode = overriddenNode;
        this.overrides = overrides;
    }

    /** These flags, with {@code overrides} (plugin id → on or off) deciding for {@code nodeId} the plugins they name. */
    public FeatureFlags overriddenFor(String nodeId, Map<String, Boolean> overrides) {
        return new FeatureFlags(enabled, nodeId, Map.copyOf(overrides));
    }

    /** Every plugin on for every node (the command line's one-off calls). */
    public static FeatureFlags allOn() {
        return new FeatureFlags(null);
    }

    /** Only the listed plugins, each on the listed nodes (empty set: all nodes). */
    public static FeatureFlags of(Map<String, Set<String>> enabled) {
        Map<String, Set<String>> copy = new TreeMap<>();
        enabled.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
        return new FeatureFlags(copy);
    }

    public boolean enabled(String pluginId, String nodeId) {
        if (nodeId.equals(overriddenNode) && overrides.containsKey(pluginId)) {
            return overrides.get(pluginId);
        }
        if (enabled == null) {
            return true;
        }
        Set<String> nodes = enabled.get(pluginId);
        return nodes != null && (nodes.isEmpty() || nodes.contains(nodeId));
    }
}
