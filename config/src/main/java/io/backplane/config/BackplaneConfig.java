package io.backplane.config;

import java.util.Objects;

/**
 * The whole node configuration. Every key, its default and its meaning are listed once, in
 * {@code io/backplane/config/defaults.yaml}; a key missing there is unknown and refused.
 */
public record BackplaneConfig(NodeSection node, AccelSection accel, HsmSection hsm, PluginsSection plugins) {
    public BackplaneConfig {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(plugins, "plugins");
    }
}
