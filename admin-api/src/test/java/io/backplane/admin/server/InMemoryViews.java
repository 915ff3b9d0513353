package io.backplane.admin.server;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.AuditView;
import io.backplane.admin.model.Check;
import io.backplane.admin.model.FlagsView;
import io.backplane.admin.model.KeysView;
import io.backplane.admin.model.NodeView;
import io.backplane.admin.model.PluginLifecycle;
import io.backplane.admin.model.Refused;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The views as the server's own tests hold them in memory (the node's real views over its token, stores and plugin
 * host are tested in appliance-node): what the server does with them (routing, validation, authorisation, auditing)
 * is what these tests check.
 */
final class InMemoryViews {
    final Map<String, Boolean> flags = new LinkedHashMap<>(Map.of("leader-election", true));
    final List<List<String>> audit = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;

    AdminViews views() {
        NodeView node = new NodeView() {
            @Override
            public Map<String, Object> status() {
                return Map.of("id", "node0", "height", 42, "round", 43);
            }

            @Override
            public List<Check> readiness() {
                return List.of(new Check("token", true, "open"), new Check("peers", ready, ready ? "3 of 3 connected" : "0 of 3 connected; a quorum needs 2"));
            }

            @Override
            public String metrics() {
                return "# TYPE backplane_height gauge\nbackplane_height 42\n";
            }

            @Override
            public Map<String, Object> accelerator() {
                return Map.of("backend", "cpu", "devices", List.of());
            }
        };
        KeysView keys = new KeysView() {
            @Override
            public List<Map<String, Object>> keys() {
                return List.of(Map.of("id", "bls-1", "type", "bls12-381", "publicKey", "ab"));
            }

            @Override
            public Map<String, Object> guardHistory() {
                return Map.of("keys", List.of());
            }
        };
        FlagsView flagsView = new FlagsView() {
            @Override
            public synchronized Map<String, Object> flags() {
                Map<String, Object> out = new LinkedHashMap<>();
                flags.forEach((k, v) -> out.put(k, Map.of("enabled", v)));
                return out;
            }

            @Override
            public synchronized Map<String, Object> set(String pluginId, boolean enabled) {
                if (!flags.containsKey(pluginId)) {
                    throw new Refused(404, "no plugin '" + pluginId + "' on this node");
                }
                flags.put(pluginId, enabled);
                return Map.of("plugin", pluginId, "enabled", enabled);
            }
        };
        PluginLifecycle plugins = () -> List.of(Map.of("id", "leader-election", "state", "ACTIVE"));
        AuditView auditView = new AuditView() {
            @Override
            public Map<String, Object> page(long from, int limit) {
                List<Object> entries = new ArrayList<>();
                for (long i = from; i < audit.size() && entries.size() < limit; i++) {
                    entries.add(audit.get((int) i));
                }
                return Map.of("from", from, "entries", entries, "next", from + entries.size(), "total", audit.size());
            }

            @Override
            public Map<String, Object> verify() {
                return Map.of("ok", true, "entries", audit.size(), "problems", List.of());
            }

            @Override
            public void record(String principal, String action, String target, String outcome) {
                audit.add(List.of(principal, action, target, outcome));
            }
        };
        return new AdminViews(node, keys, flagsView, plugins, auditView);
    }
}
