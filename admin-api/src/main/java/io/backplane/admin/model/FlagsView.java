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
}
