package io.backplane.plugin.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Output of {@link RoutingStrategy}: for each node that forwards, the nodes it sends to. Sorted by node so that its
 * encoding is canonical; a node absent from the map forwards to nobody.
 */
public record FanoutPlan(Map<String, List<String>> forwards) {
    public FanoutPlan {
        TreeMap<String, List<String>> copy = new TreeMap<>();
        forwards.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        forwards = java.util.Collections.unmodifiableSortedMap(copy);
    }
}
