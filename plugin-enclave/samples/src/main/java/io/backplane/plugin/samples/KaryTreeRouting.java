package io.backplane.plugin.samples;

import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.RoutingStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A k-ary fan-out tree ({@value #K}-ary) rooted at the origin: the nodes in canonical order, rotated so the origin is
 * first, form a complete tree in which node i forwards to nodes k*i+1 .. k*i+k. log_k(n) hops, at most k sends each.
 */
public final class KaryTreeRouting implements RoutingStrategy {
    static final int K = 3;

    @Override
    public FanoutPlan plan(RoutingInput in) {
        List<NodeInfo> nodes = in.nodes();
        int start = 0;
        while (!nodes.get(start).id().equals(in.origin())) {
            start++;
        }
        List<String> order = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            order.add(nodes.get((start + i) % nodes.size()).id());
        }
        Map<String, List<String>> forwards = new HashMap<>();
        for (int i = 0; i < order.size(); i++) {
            List<String> children = new ArrayList<>();
            for (int c = K * i + 1; c <= K * i + K && c < order.size(); c++) {
                children.add(order.get(c));
            }
            if (!children.isEmpty()) {
                forwards.put(order.get(i), children);
            }
        }
        return new FanoutPlan(forwards);
    }
}
