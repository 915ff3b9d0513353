package io.backplane.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code plugins.*}: the limits and policies of plugin enclaves and the per-plugin, per-node feature flags.
 * Meanings and bounds in {@code defaults.yaml}; a value out of bounds fails with its key named.
 */
public record PluginsSection(int dualExecutionEvery, long callDeadlineMs, int heapMb, int addressSpaceMb, int cpuSeconds,
                             boolean allowWeakSandbox, List<String> enabled) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern FLAG = Pattern.compile("\\*|[A-Za-z0-9._-]{1,64}(@[a-z0-9_-]+(\\+[a-z0-9_-]+)*)?");

    public PluginsSection {
        range("plugins.dualExecutionEvery", dualExecutionEvery, 0, 1_000_000);
        range("plugins.callDeadlineMs", callDeadlineMs, 1, 600_000);
        range("plugins.heapMb", heapMb, 16, 4096);
        range("plugins.cpuSeconds", cpuSeconds, 1, 86_400);
        if (addressSpaceMb <= heapMb + 512 || addressSpaceMb > 65_536) {
            throw ConfigException.badKey("plugins.addressSpaceMb", "must be more than plugins.heapMb + 512 (" + (heapMb + 512)
                    + ") and at most 65536, got " + addressSpaceMb);
        }
        enabled = enabled == null ? List.of() : List.copyOf(enabled);
        for (String f : enabled) {
            if (f == null || !FLAG.matcher(f.trim()).matches()) {
                throw ConfigException.badKey("plugins.enabled", "entries are '*', '<plugin id>' or '<plugin id>@<node>+<node>', got '" + f + "'");
            }
        }
    }

    /** Whether {@code enabled} lets every plugin run on every node ({@code *}). */
    public boolean allEnabled() {
        return enabled.stream().anyMatch(f -> f.trim().equals("*"));
    }

    /** The flags as plugin id to node set (empty set: every node); meaningful when not {@link #allEnabled()}. */
    public Map<String, Set<String>> enabledByPlugin() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String raw : enabled) {
            String f = raw.trim();
            int at = f.indexOf('@');
            String id = at < 0 ? f : f.substring(0, at);
            if (!ID.matcher(id).matches()) {
                continue; // '*'
            }
            Set<String> nodes = at < 0 ? Set.of() : Set.of(f.substring(at + 1).split("\\+"));
            Set<String> before = out.get(id);
            // An entry without nodes wins over one with nodes: the plugin is on everywhere.
            if (before == null || (!before.isEmpty() && !nodes.isEmpty())) {
                Set<String> merged = new java.util.TreeSet<>(nodes);
                if (before != null) {
                    merged.addAll(before);
                }
                out.put(id, Set.copyOf(merged));
            } else if (nodes.isEmpty()) {
                out.put(id, Set.of());
            }
        }
        return out;
    }

    private static void range(String key, long v, long min, long max) {
        if (v < min || v > max) {
            throw ConfigException.badKey(key, "must be " + min + " to " + max + ", got " + v);
        }
    }
}
