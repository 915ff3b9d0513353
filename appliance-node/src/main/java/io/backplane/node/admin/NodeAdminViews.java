package io.backplane.node.admin;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.accel.Accelerator;
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
import io.backplane.config.NodeHome;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditVerifier;
import io.backplane.hsm.guard.GuardHistoryJson;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.keystore.SealedKeyExport;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.node.runtime.NodeStatus;
import io.backplane.plugin.host.lifecycle.Authorization;
import io.backplane.plugin.host.lifecycle.LifecycleException;
import io.backplane.plugin.host.lifecycle.PluginStore;
import io.backplane.node.runtime.ValidatorNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The admin API's views over a running node: its status and readiness, its token's keys and guard history, its
 * plugin flags ({@link FlagOverrides}), its plugins, and the keystore's hash-chained audit log (paged from the file,
 * verified as {@code keys audit-verify} does, written through the open keystore so admin changes chain with key events).
 */
public final class NodeAdminViews {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private NodeAdminViews() {
    }

    /**
     * The views of {@code node}; {@code knownPlugin} says which plugin ids this node may hold a flag for, and
     * {@code required} which of them every validator must run (the genesis's leader election: turning it off on one
     * node would leave that node unable to follow the schedule, so it is refused).
     */
    public static AdminViews of(ValidatorNode node, Keystore keystore, Accelerator accel, NodeHome home, String nodeId, Predicate<String> knownPlugin,
                                Predicate<String> required, BenchView bench) {
        return new AdminViews(nodeView(node, keystore, accel, home), keysView(keystore, home, node.signingKeyId()), flagsView(home, knownPlugin, required),
                pluginLifecycle(home, () -> running(node)), auditView(keystore, home, nodeId), bench);
    }

    /** Readiness is answered from a copy at most this old: probes and dashboards poll it, and each look asks the token. */
    static final long READINESS_MAX_AGE_NANOS = 500_000_000L;

    private static NodeView nodeView(ValidatorNode node, Keystore keystore, Accelerator accel, NodeHome home) {
        return new NodeView() {
            private List<Check> ready;
            private long readyAt;

            @Override
            public Map<String, Object> status() {
                Map<String, Object> doc = JSON.convertValue(node.status(), OBJECT);
                doc.put("sync", node.status().height() < node.status().stateHeight() ? "catching-up" : "following");
                return doc;
            }

            @Override
            public synchronized List<Check> readiness() {
                long now = System.nanoTime();
                if (ready == null || now - readyAt > READINESS_MAX_AGE_NANOS) {
                    ready = NodeAdminViews.readiness(node.status(), keystore, home);
                    readyAt = now;
                }
                return ready;
            }

            @Override
            public String metrics() {
                return new String(node.scrapeMetrics(), StandardCharsets.UTF_8);
            }

            @Override
            public Map<String, Object> accelerator() {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("backend", node.status().backend());
                doc.put("device", accel.device().map(Object::toString).orElse(null));
                return doc;
            }
        };
    }

    /** Can this node sign now: every part, each with its reason. */
    public static List<Check> readiness(NodeStatus s, Keystore keystore, NodeHome home) {
        List<Check> out = new ArrayList<>();
        List<Keystore.KeyInfo> keys;
        try {
            keys = keystore.list();
            out.add(new Check("token", true, "open, " + keys.size() + " keys"));
        } catch (RuntimeException e) {
            keys = List.of();
            out.add(new Check("token", false, "the token does not answer: " + e.getMessage()));
        }
        Path guard = home.hsmDir().resolve("guard");
        boolean writable = Files.isDirectory(guard) && Files.isWritable(guard);
        out.add(new Check("guard", writable, writable ? guard + " writable" : guard + " is not a writable directory"));
        boolean bls = keys.stream().anyMatch(k -> k.type().equals("bls12-381"));
        out.add(new Check("keys", bls, bls ? "validator key loaded" : "no BLS validator key in the token"));
        int n = s.peers().size() + 1;
        int quorum = n - (n - 1) / 3;
        int reach = s.peersConnected() + 1;
        out.add(new Check("peers", reach >= quorum, reach + " of " + n + " validators reachable (this one included); a quorum is " + quorum));
        out.add(new Check("consensus", s.consensusRunning(), s.consensusRunning() ? "running, round " + s.round() : "the consensus thread is not running"));
        out.add(new Check("signing", s.signing(), s.signing() ? "signing"
                : s.doppelganger() == null || s.doppelganger().isEmpty() ? "listening for another copy of this validator before the first signature"
                : "stopped: " + s.doppelganger()));
        out.add(new Check("accelerator", true, s.backend()));
        out.add(new Check("leaderElection", true, s.leaderElection()));
        return out;
    }

    private static KeysView keysView(Keystore keystore, NodeHome home, String signingKey) {
        return new KeysView() {
            @Override
            public List<Map<String, Object>> keys() {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Keystore.KeyInfo k : keystore.list()) {
                    out.add(JSON.convertValue(k, OBJECT));
                }
                return out;
            }

            @Override
            public Map<String, Object> guardHistory() {
                try {
                    return JSON.readValue(GuardHistoryJson.write(SigningGuard.readHistory(home.hsmDir().resolve("guard"), null)), OBJECT);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public Map<String, Object> generateBls() {
                var k = keystore.generateBls();
                return Map.of("id", k.id(), "type", "bls12-381", "publicKey", k.publicKeyHex());
            }

            @Override
            public Map<String, Object> exportSealed(String id) {
                if (keystore.list().stream().noneMatch(k -> k.id().equals(id) && k.type().equals("bls12-381"))) {
                    throw new Refused(404, "no BLS key '" + id + "' in the token (GET /v1/keys lists them)");
                }
                if (id.equals(signingKey)) {
                    // Its guard history would be stale the moment the next vote is signed here: a second box signing
                    // with it could sign what this one already signed. Move it with the node stopped.
                    throw new Refused(409, id + " is the key this running node signs with; stop the node and move it with `backplane keys export` "
                            + "(its guard history complete), then start it on the other box only");
                }
                try {
                    return JSON.readValue(SealedKeyExport.export(keystore, id, text -> { }), OBJECT);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public Map<String, Object> importSealed(String json) {
                Keystore.SealedImport r;
                try {
                    r = SealedKeyExport.importFrom(keystore, json, "admin API");
                } catch (IllegalArgumentException e) {
                    throw new Refused(400, e.getMessage());
                } catch (SigningException e) {
                    throw new Refused(409, e.getMessage());
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", r.key().id());
                doc.put("publicKey", r.key().publicKeyHex());
                doc.put("watermarksRaised", r.history().watermarksRaised());
                doc.put("conflicts", r.history().conflicts());
                return doc;
            }

            @Override
            public Map<String, Object> importGuardHistory(String json) {
                List<SigningGuard.KeyHistory> history;
                try {
                    history = GuardHistoryJson.read(json);
                } catch (IllegalArgumentException e) {
                    throw new Refused(400, e.getMessage());
                }
                SigningGuard.ImportResult r = keystore.importGuardHistory(history, "admin API");
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("watermarksRaised", r.watermarksRaised());
                doc.put("slotsAdded", r.slotsAdded());
                doc.put("conflicts", r.conflicts());
                return doc;
            }
        };
    }

    private static FlagsView flagsView(NodeHome home, Predicate<String> knownPlugin, Predicate<String> required) {
        Path file = home.adminDir().resolve("flags.json");
        return new FlagsView() {
            @Override
            public Map<String, Object> flags() {
                Map<String, Object> out = new LinkedHashMap<>();
                try {
                    FlagOverrides.read(file).forEach((id, on) -> out.put(id, Map.of("enabled", on, "appliesAt", "next start")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return out;
            }

            @Override
            public Map<String, Object> set(String pluginId, boolean enabled) {
                if (!knownPlugin.test(pluginId)) {
                    throw new Refused(404, "no plugin '" + pluginId + "' on this node (the genesis and the plugin store name the plugins)");
                }
                if (!enabled && required.test(pluginId)) {
                    throw new Refused(409, "'" + pluginId + "' is the genesis's leader-election plugin: every validator runs it, so it cannot be "
                            + "turned off on one node (a node without it could not follow the leader schedule)");
                }
                try {
                    FlagOverrides.set(file, pluginId, enabled);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Map.of("plugin", pluginId, "enabled", enabled, "appliesAt", "next start");
            }

            @Override
            public Map<String, Object> clear(String pluginId) {
                try {
                    return Map.of("plugin", pluginId, "cleared", FlagOverrides.clear(file, pluginId), "appliesAt", "next start");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /**
     * The genesis's leader election and the home's plugin store, each request on the store as it is on disk now
     * (the {@code plugins} CLI changes it too); the API's steps are serialised here. Not yet: the running node does
     * not load store plugins, and activation at an epoch is a governance transaction not built yet (issue 15).
     */
    private static List<Map<String, Object>> running(ValidatorNode node) {
        var le = node.genesis().leaderElection();
        if (le == null) {
            return List.of();
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("kind", "leader-election");
        p.put("plugin", JSON.convertValue(le, Object.class));
        p.put("state", "ACTIVE");
        p.put("running", node.status().leaderElection());
        return List.of(p);
    }

    /** The plugin view over {@code home}'s store, after the plugins the node runs ({@code running}, read at each listing). */
    public static PluginLifecycle pluginLifecycle(NodeHome home, java.util.function.Supplier<List<Map<String, Object>>> running) {
        return new PluginLifecycle() {
            @Override
            public List<Map<String, Object>> plugins() {
                List<Map<String, Object>> out = new ArrayList<>(running.get());
                for (PluginStore.Entry e : store().list()) {
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("kind", "store");
                    p.putAll(JSON.convertValue(e, OBJECT));
                    out.add(p);
                }
                return out;
            }

            @Override
            public synchronized Map<String, Object> upload(Principal who, byte[] manifest, byte[] jar, byte[] signature) {
                Path tmp = null;
                try {
                    tmp = Files.createTempFile(home.ensureExists().pluginsDir(), "upload-", ".jar");
                    Files.write(tmp, jar);
                    Path staged = tmp;
                    return step(() -> store().upload(manifest, staged, new Authorization(who.name(), signature)));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot stage the uploaded jar: " + e.getMessage(), e);
                } finally {
                    if (tmp != null) {
                        try {
                            Files.deleteIfExists(tmp);
                        } catch (IOException ignored) {
                            // a temporary upload in plugins/ is never read back
                        }
                    }
                }
            }

            @Override
            public synchronized Map<String, Object> approve(Principal who, String id, String version, byte[] signature) {
                return step(() -> store().approve(id, version, new Authorization(who.name(), signature)));
            }

            @Override
            public synchronized Map<String, Object> veto(Principal who, String id, String version) {
                return step(() -> store().veto(id, version, who.name()));
            }

            @Override
            public synchronized Map<String, Object> retire(Principal who, String id, String version) {
                return step(() -> store().retire(id, version, who.name()));
            }

            private PluginStore store() {
                return NodeAssembly.openPluginStore(home);
            }

            private Map<String, Object> step(java.util.function.Supplier<PluginStore.Entry> step) {
                try {
                    return JSON.convertValue(step.get(), OBJECT);
                } catch (LifecycleException e) {
                    throw new Refused(e.getMessage().contains("is not in the store") ? 404 : 409, e.getMessage());
                }
            }
        };
    }

    private static AuditView auditView(Keystore keystore, NodeHome home, String nodeId) {
        Path log = home.hsmDir().resolve("audit").resolve("audit.log");
        return new AuditView() {
            @Override
            public Map<String, Object> page(long from, int limit) {
                List<Object> entries = new ArrayList<>();
                long total = 0;
                try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                    for (String line; (line = r.readLine()) != null; total++) {
                        if (total >= from && entries.size() < limit) {
                            try {
                                entries.add(JSON.readValue(line, OBJECT));
                            } catch (IOException damaged) {
                                entries.add(Map.of("line", total, "damaged", damaged.getMessage().lines().findFirst().orElse("")));
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("audit log " + log + ": " + e.getMessage(), e);
                }
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("from", from);
                doc.put("entries", entries);
                doc.put("next", from + entries.size());
                doc.put("total", total);
                return doc;
            }

            @Override
            public Map<String, Object> verify() {
                Optional<X509Certificate> id = keystore.identityCertificate();
                if (id.isEmpty()) {
                    throw new Refused(409, "this node has no identity certificate to verify the audit checkpoints with");
                }
                Optional<AuditAnchor.Head> anchor = Keystore.auditAnchor(keystore.token(), nodeId).read();
                AuditVerifier.Result r = AuditVerifier.verify(log, id.get().getPublicKey(), anchor,
                        SigningGuard.readAuditCopies(home.hsmDir().resolve("guard")));
                return r.document();
            }

            @Override
            public void record(Principal who, String action, String target, String outcome) {
                keystore.audit().append("admin-" + action, target, Map.of("principal", who.name(), "via", who.via(), "outcome", outcome));
            }
        };
    }
}
