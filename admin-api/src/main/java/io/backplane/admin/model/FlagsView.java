package io.backplane.admin.model;

import java.util.Map;

/** The node's plugin feature flags: which plugin runs on this node. */
public interface FlagsView {
    /** Every flag the node knows: plugin id → {@code {"enabled": bool, ...}}. */
    Map<String, Object> flags();

    /**
     * Sets one flag, durably, and answers the flag's new state; an unknown plugin id is a {@link Refused} 404, and
     * nothing changes.
     */
    Map<String, Object> set(String pluginId, boolean enabled);

    /**
     * Removes this node's flag for {@code pluginId}, so the configuration decides again from the next start; answers
     * {@code {"plugin", "cleared": bool}} ({@code false}: there was none, nothing changed; so a repeat is harmless).
     */
    Map<String, Object> clear(String pluginId);
}
