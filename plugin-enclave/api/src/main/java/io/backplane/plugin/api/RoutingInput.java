package io.backplane.plugin.api;

import java.util.List;
import java.util.Objects;

/**
 * Input of {@link RoutingStrategy}: the nodes (canonical order), the latencies measured so far (possibly none), the
 * origin of the message and its class.
 */
public record RoutingInput(List<NodeInfo> nodes, List<Link> latencies, String origin, MessageClass messageClass) {
    public RoutingInput {
        nodes = List.copyOf(nodes);
        latencies = List.copyOf(latencies);
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(messageClass, "messageClass");
        if (nodes.stream().noneMatch(n -> n.id().equals(origin))) {
            throw new IllegalArgumentException("origin " + origin + " is not a node of the topology");
        }
    }
}
