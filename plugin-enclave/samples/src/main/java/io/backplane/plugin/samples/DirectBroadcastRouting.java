package io.backplane.plugin.samples;

import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.RoutingStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Direct broadcast: the origin sends to every other node; nobody relays. One hop, n-1 messages from the origin. */
public final class DirectBroadcastRouting implements RoutingStrategy {
    @Override
    public FanoutPlan plan(RoutingInput in) {
        List<String> others = new ArrayList<>();
        for (NodeInfo n : in.nodes()) {
            if (!n.id().equals(in.origin())) {
                others.add(n.id());
            }
        }
        return new FanoutPlan(Map.of(in.origin(), others));
    }
}
