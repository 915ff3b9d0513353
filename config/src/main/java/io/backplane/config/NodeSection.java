package io.backplane.config;

import java.util.regex.Pattern;

/** {@code node.*}: who this node is. */
public record NodeSection(String id) {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public NodeSection {
        if (id == null || !ID.matcher(id).matches()) {
            throw ConfigException.badKey("node.id", "must match " + ID.pattern() + ", got '" + id + "'");
        }
    }
}
