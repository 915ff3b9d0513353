package io.backplane.plugin.host;

import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.FanoutPlan;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.NodeInfo;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.api.Validator;
import io.backplane.plugin.api.Verdict;
import io.backplane.plugin.wire.Wire;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The typed face of one loaded plugin: encodes the input, calls the supervised enclave, decodes the answer and checks
 * it against its kind's contract. With dual execution on, every n-th call also goes to a second enclave, started
 * fresh for that call and discarded after it, and the SHA-256 digests of the two answers are compared; a difference is
 * counted and the call is undecided.
 */
public final class PluginClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginClient.class);

    private final String pluginId;
    private final List<PluginKind> kinds;
    private final SupervisedPlugin primary;
    private final SupervisedPlugin shadow;
    private final int dualEvery;
    private final PluginMetrics metrics;
    private long calls;
    private volatile boolean closed;
    private volatile Launch launch;

    /** What an enclave of this client runs: the manifest, the private jar copy and the exact argv (for attestation). */
    public record Launch(byte[] manifestJson, java.nio.file.Path jar, List<String> command) {
        public Launch {
            manifestJson = manifestJson.clone();
            command = List.copyOf(command);
        }

        @Override
        public byte[] manifestJson() {
            return manifestJson.clone();
        }
    }

    public PluginClient(String pluginId, List<PluginKind> kinds, SupervisedPlugin primary, SupervisedPlugin shadow, int dualEvery, PluginMetrics metrics) {
        this.pluginId = pluginId;
        this.kinds = List.copyOf(kinds);
        this.primary = primary;
        this.shadow = shadow;
        this.dualEvery = dualEvery;
        this.metrics = metrics;
    }

    public String pluginId() {
        return pluginId;
    }

    public List<PluginKind> kinds() {
        return kinds;
    }

    public SupervisedPlugin supervisor() {
        return primary;
    }

    public PluginOutcome<LeaderSchedule> leaderSchedule(LeaderElectionInput in) {
        return typed(PluginKind.LEADER_ELECTION, Wire.encodeLeaderInput(in), Wire::decodeSchedule, s -> checkSchedule(in, s));
    }

    public PluginOutcome<Verdict> validate(BlockProposal proposal, LedgerView ledger) {
        return typed(PluginKind.BLOCK_VALIDATOR, Wire.encodeValidation(new Wire.ValidationRequest(proposal, ledger)), Wire::decodeVerdict, v -> null);
    }

    public PluginOutcome<FanoutPlan> route(RoutingInput in) {
        return typed(PluginKind.ROUTING, Wire.encodeRouting(in), Wire::decodePlan, p -> checkPlan(in, p));
    }

    private <T> PluginOutcome<T> typed(PluginKind kind, byte[] payload, Function<byte[], T> decode, Function<T, String> check) {
        if (!kinds.contains(kind)) {
            return new PluginOutcome.Undecided<>(UndecidedReason.REFUSED, pluginId + " is not a " + kind.wireName() + " plugin");
        }
        PluginOutcome<byte[]> raw = raw(kind, payload);
        if (!(raw instanceof PluginOutcome.Decided<byte[]> d)) {
            return raw.map(b -> null);
        }
        T value;
        try {
            value = decode.apply(d.value());
        } catch (RuntimeException e) {
            return invalid("undecodable " + kind.wireName() + " answer: " + e.getMessage());
        }
        String problem = check.apply(value);
        return problem == null ? new PluginOutcome.Decided<>(value) : invalid(problem);
    }

    private <T> PluginOutcome<T> invalid(String why) {
        metrics.call(pluginId, UndecidedReason.INVALID_ANSWER.label(), 0);
        return new PluginOutcome.Undecided<>(UndecidedReason.INVALID_ANSWER, pluginId + ": " + why);
    }

    /** One call with sampled dual execution; the answer bytes as the enclave sent them. */
    public synchronized PluginOutcome<byte[]> raw(PluginKind kind, byte[] payload) {
        calls++;
        PluginOutcome<byte[]> first = primary.call(kind.wireName(), payload);
        if (shadow == null || dualEvery <= 0 || calls % dualEvery != 0 || !(first instanceof PluginOutcome.Decided<byte[]> a)) {
            return first;
        }
        // The second execution runs in a fresh enclave, started now (later than the first answer) and discarded
        // after: static state a warm enclave accumulated, and time windows, cannot make the two agree by accident.
        PluginOutcome<byte[]> second = shadow.call(kind.wireName(), payload);
        shadow.close();
        if (second instanceof PluginOutcome.Decided<byte[]> b) {
            if (!MessageDigest.isEqual(sha256(a.value()), sha256(b.value()))) {
                metrics.nonDeterministic(pluginId);
                LOG.error("ALERT plugin {} is non-deterministic: two enclaves answered the same {} request differently", pluginId, kind.wireName());
                return new PluginOutcome.Undecided<>(UndecidedReason.NON_DETERMINISTIC,
                        pluginId + ": two enclaves gave different answers to the same " + kind.wireName() + " request");
            }
        } else {
            LOG.warn("plugin {}: the dual-execution enclave gave no answer ({}), comparison skipped", pluginId, second);
        }
        return first;
    }

    static String checkSchedule(LeaderElectionInput in, LeaderSchedule s) {
        if (s.leaders().size() != in.windowLength()) {
            return "schedule has " + s.leaders().size() + " rounds, " + in.windowLength() + " were asked";
        }
        Set<String> ids = new HashSet<>();
        for (Validator v : in.validators()) {
            ids.add(v.id());
        }
        for (String l : s.leaders()) {
            if (!ids.contains(l)) {
                return "schedule names " + l + ", who is not a validator of epoch " + in.epoch();
            }
        }
        return null;
    }

    static String checkPlan(RoutingInput in, FanoutPlan p) {
        Set<String> ids = new HashSet<>();
        for (NodeInfo n : in.nodes()) {
            ids.add(n.id());
        }
        for (var e : p.forwards().entrySet()) {
            if (!ids.contains(e.getKey())) {
                return "plan has unknown node " + e.getKey();
            }
            for (String to : e.getValue()) {
                if (!ids.contains(to) || to.equals(e.getKey())) {
                    return "plan makes " + e.getKey() + " forward to " + to;
                }
            }
        }
        Set<String> reached = new HashSet<>(Set.of(in.origin()));
        ArrayDeque<String> queue = new ArrayDeque<>(reached);
        while (!queue.isEmpty()) {
            for (String to : p.forwards().getOrDefault(queue.poll(), List.of())) {
                if (reached.add(to)) {
                    queue.add(to);
                }
            }
        }
        return reached.size() == ids.size() ? null : "plan reaches " + reached.size() + " of " + ids.size() + " nodes";
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void launch(Launch l) {
        this.launch = l;
    }

    /** What this client's enclaves run; null for in-process plugins. */
    public Launch launch() {
        return launch;
    }

    public boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        primary.close();
        if (shadow != null) {
            shadow.close();
        }
    }
}
