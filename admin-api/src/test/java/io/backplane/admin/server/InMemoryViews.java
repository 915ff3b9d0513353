package io.backplane.admin.server;

import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.AuditView;
import io.backplane.admin.model.BenchView;
import io.backplane.admin.model.Check;
import io.backplane.admin.model.FlagsView;
import io.backplane.admin.model.KeysView;
import io.backplane.admin.model.NodeView;
import io.backplane.admin.model.PluginLifecycle;
import io.backplane.admin.model.Principal;
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
    static final String KEY = "bls-0123456789abcdef";
    final List<String> importedKeys = new CopyOnWriteArrayList<>();
    final List<String> pluginSteps = new CopyOnWriteArrayList<>();
    final Map<String, Boolean> flags = new LinkedHashMap<>(Map.of("leader-election", true));
    final List<List<String>> audit = new CopyOnWriteArrayList<>();
    volatile boolean ready = true;
    volatile boolean benchBusy;
    final java.util.concurrent.atomic.AtomicInteger generated = new java.util.concurrent.atomic.AtomicInteger();
    final List<String> imported = new CopyOnWriteArrayList<>();
    final List<List<String>> benches = new CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicLong height = new java.util.concurrent.atomic.AtomicLong(42);

    AdminViews views() {
        NodeView node = new NodeView() {
            @Override
            public Map<String, Object> status() {
                long h = height.get();
                Map<String, Object> s = new java.util.LinkedHashMap<>();
                s.put("id", "node0");
                s.put("height", h);
                s.put("round", h + 1);
                s.put("leader", (int) (h % 4));
                s.put("txPerSec", 100.0 + h % 7);
                s.put("commitLatencyP50Ms", 40.0);
                s.put("commitLatencyP99Ms", 90.0);
                s.put("peersConnected", 3);
                s.put("peers", List.of(1, 2, 3));
                s.put("signing", true);
                return s;
            }

            @Override
            public List<Check> readiness() {
                return List.of(new Check("token", true, "open"), new Check("peers", ready, ready ? "3 of 3 connected" : "0 of 3 connected; a quorum needs 2"));
            }

            @Override
            public String metrics() {
                return "# TYPE backplane_committed_height gauge\nbackplane_committed_height " + height.get() + "\n"
                        + "backplane_accel_calls_total{op=\"sha256\",backend=\"cpu\"} 30\n"
                        + "backplane_accel_calls_total{op=\"sha256\",backend=\"opencl\"} 10\n"
                        + "backplane_accel_fallbacks_total{op=\"sha256\",reason=\"fault\"} 2\n"
                        + "backplane_signatures_total{kind=\"vote\",outcome=\"signed\"} " + 2 * height.get() + "\n"
                        + "backplane_signatures_total{kind=\"vote\",outcome=\"refused\"} 3\n"
                        + "backplane_signatures_total{kind=\"timeout\",outcome=\"withheld\"} 1\n"
                        + "backplane_plugin_call_seconds_sum{plugin=\"round-robin\"} 0.5\n"
                        + "backplane_plugin_call_seconds_count{plugin=\"round-robin\"} 100\n";
            }

            @Override
            public Map<String, Object> accelerator() {
                return Map.of("backend", "cpu", "devices", List.of());
            }
        };
        KeysView keys = new KeysView() {
            @Override
            public List<Map<String, Object>> keys() {
                return List.of(Map.of("id", KEY, "type", "bls12-381", "publicKey", "ab"));
            }

            @Override
            public Map<String, Object> guardHistory() {
                return Map.of("format", "backplane-guard-history/1", "keys", List.of());
            }

            @Override
            public Map<String, Object> generateBls() {
                return Map.of("id", "bls-" + generated.incrementAndGet(), "type", "bls12-381", "publicKey", "cd");
            }

            @Override
            public Map<String, Object> exportSealed(String id) {
                if (!id.equals(KEY)) {
                    throw new Refused(404, "no BLS key '" + id + "'");
                }
                return Map.of("format", "backplane-bls-export/1", "id", id, "sealed", "00");
            }

            @Override
            public Map<String, Object> importSealed(String json) {
                importedKeys.add(json);
                return Map.of("id", KEY, "publicKey", "ab", "watermarksRaised", 0, "conflicts", List.of());
            }

            @Override
            public Map<String, Object> importGuardHistory(String json) {
                if (!json.contains("\"keys\":[")) {
                    throw new Refused(400, "guard history needs keys");
                }
                imported.add(json);
                return Map.of("watermarksRaised", 0, "slotsAdded", 0, "conflicts", List.of());
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

            @Override
            public synchronized Map<String, Object> clear(String pluginId) {
                return Map.of("plugin", pluginId, "cleared", flags.remove(pluginId) != null);
            }
        };
        PluginLifecycle plugins = new PluginLifecycle() {
            @Override
            public List<Map<String, Object>> plugins() {
                List<Map<String, Object>> out = new ArrayList<>(List.of(Map.of("id", "leader-election", "state", "ACTIVE")));
                out.addAll(pluginSteps.stream().map(s -> Map.<String, Object>of("step", s)).toList());
                return out;
            }

            @Override
            public Map<String, Object> upload(Principal who, byte[] manifest, byte[] jar, byte[] signature) {
                pluginSteps.add("upload " + who.name() + " " + manifest.length + " " + jar.length + " " + signature.length);
                return Map.of("id", "leader-election", "version", "1.0.0", "state", "STAGED");
            }

            @Override
            public Map<String, Object> approve(Principal who, String id, String version, byte[] signature) {
                pluginSteps.add("approve " + who.name() + " " + id + " " + version + " " + signature.length);
                return Map.of("id", id, "version", version, "state", "APPROVED");
            }

            @Override
            public Map<String, Object> veto(Principal who, String id, String version) {
                pluginSteps.add("veto " + who.name() + " " + id + " " + version);
                return Map.of("id", id, "version", version, "state", "VETOED");
            }

            @Override
            public Map<String, Object> retire(Principal who, String id, String version) {
                if (!id.equals("leader-election")) {
                    throw new Refused(404, id + " " + version + " is not in the store");
                }
                pluginSteps.add("retire " + who.name() + " " + id + " " + version);
                return Map.of("id", id, "version", version, "state", "RETIRED");
            }
        };
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
            public void record(Principal who, String action, String target, String outcome) {
                audit.add(List.of(who.name() + " (" + who.via() + ")", action, target, outcome));
            }
        };
        BenchView bench = new BenchView() {
            @Override
            public synchronized Map<String, Object> start(List<String> ops, int maxPointMs) {
                if (benchBusy) {
                    throw new Refused(409, "benchmark b1 is running");
                }
                benches.add(List.copyOf(ops));
                return Map.of("id", "b" + benches.size(), "state", "running", "ops", ops, "maxPointMs", maxPointMs);
            }

            @Override
            public synchronized Map<String, Object> job(String id) {
                int i = Integer.parseInt(id.substring(1)) - 1;
                if (i < 0 || i >= benches.size()) {
                    throw new Refused(404, "no benchmark " + id);
                }
                return Map.of("id", id, "state", "done", "ops", benches.get(i));
            }
        };
        return new AdminViews(node, keys, flagsView, plugins, auditView, bench);
    }
}
