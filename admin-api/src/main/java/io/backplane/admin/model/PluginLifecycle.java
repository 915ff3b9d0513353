package io.backplane.admin.model;

import java.util.List;
import java.util.Map;

/** The plugins the node holds: each with its lifecycle state and call metrics. */
public interface PluginLifecycle {
    List<Map<String, Object>> plugins();
}
