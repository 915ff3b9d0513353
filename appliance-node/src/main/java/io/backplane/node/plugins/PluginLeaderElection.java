package io.backplane.node.plugins;

import io.backplane.node.consensus.liveness.LeaderElectionAlgorithm;
import io.backplane.node.consensus.liveness.ScheduleInput;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.LeaderSchedule;
import io.backplane.plugin.api.RoundRecord;
import io.backplane.plugin.api.Validator;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginOutcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consensus core's {@link LeaderElectionAlgorithm} answered by a {@code LeaderElection} plugin in an enclave.
 * Validator i is the plugin's {@code "v<i>"} with its stake; the history entries become committed
 * {@link RoundRecord}s. {@code Undecided} (crash, deadline, quarantine, a malformed answer) is returned as empty —
 * the node abstains — and counted in {@link #undecided()} with an ALERT log line (cut and rate-limited by
 * {@link PluginLog}, so a plugin cannot flood the node log); no other algorithm stands in.
 * Decided answers are cached by input (the plugin is a pure function), so several simulated nodes can share one enclave.
 */
public final class PluginLeaderElection implements LeaderElectionAlgorithm {
    private static final Logger LOG = LoggerFactory.getLogger(PluginLeaderElection.class);
    private static final int CACHE = 256;

    private final PluginClient client;
    private final PluginLog log = new PluginLog(LOG, System::nanoTime);
    private final AtomicLong undecided = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final Map<ScheduleInput, List<Integer>> cache = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ScheduleInput, List<Integer>> eldest) {
            return size() > CACHE;
        }
    };

    public PluginLeaderElection(PluginClient client) {
        this.client = client;
    }

    /** The plugin's id for validator index {@code i}. */
    public static String id(int i) {
        return "v" + i;
    }

    @Override
    public synchronized Optional<List<Integer>> schedule(ScheduleInput in) {
        List<Integer> hit = cache.get(in);
        if (hit != null) {
            return Optional.of(hit);
        }
        calls.incrementAndGet();
        PluginOutcome<LeaderSchedule> out = client.leaderSchedule(toPlugin(in));
        if (out instanceof PluginOutcome.Undecided<LeaderSchedule> u) {
            undecided.incrementAndGet();
            log.warn("ALERT leader-election plugin {} undecided for schedule epoch {} ({}: {}): abstaining",
                    client.pluginId(), in.scheduleEpoch(), u.reason().label(), PluginLog.cut(u.detail()));
            return Optional.empty();
        }
        LeaderSchedule s = ((PluginOutcome.Decided<LeaderSchedule>) out).value();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < in.validators().size(); i++) {
            index.put(id(i), i);
        }
        List<Integer> leaders = new ArrayList<>(s.leaders().size());
        for (String id : s.leaders()) {
            Integer i = index.get(id);
            if (i == null) {
                undecided.incrementAndGet();
                log.warn("ALERT leader-election plugin {} named {}, not a validator: abstaining", client.pluginId(), PluginLog.cut(id));
                return Optional.empty();
            }
            leaders.add(i);
        }
        List<Integer> result = List.copyOf(leaders);
        cache.put(in, result);
        return Optional.of(result);
    }

    static LeaderElectionInput toPlugin(ScheduleInput in) {
        List<Validator> vs = new ArrayList<>(in.validators().size());
        for (int i = 0; i < in.validators().size(); i++) {
            vs.add(new Validator(id(i), in.validators().get(i).stake()));
        }
        List<RoundRecord> history = in.history().stream()
                .map(h -> new RoundRecord(h.round(), id(h.leader()), true, h.voters().stream().map(PluginLeaderElection::id).toList()))
                .toList();
        return new LeaderElectionInput(in.scheduleEpoch(), in.firstRound(), in.windowLength(), vs, in.seed(), history);
    }

    /** Answers that were not decided (the alert counter). */
    public long undecided() {
        return undecided.get();
    }

    /** Calls that reached the plugin (cache misses). */
    public long calls() {
        return calls.get();
    }

    public PluginClient client() {
        return client;
    }
}
