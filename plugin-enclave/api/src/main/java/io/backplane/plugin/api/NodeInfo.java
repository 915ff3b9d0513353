package io.backplane.plugin.api;

import java.util.Objects;

/** One node of the topology: its id and its region ({@code ""} when unknown). */
public record NodeInfo(String id, String region) {
    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
    }
}
