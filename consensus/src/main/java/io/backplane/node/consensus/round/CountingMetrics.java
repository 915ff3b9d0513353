package io.backplane.node.consensus.round;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ConsensusMetrics} kept as plain totals, by counter: what {@link RoundManager#counters()} and the simulation's
 * JSON print. A counter appears only once it was counted. Not thread-safe (the consensus thread owns it).
 */
public final class CountingMetrics implements ConsensusMetrics {
    private final Map<ConsensusCounter, Long> totals = new EnumMap<>(ConsensusCounter.class);

    @Override
    public void count(ConsensusCounter counter, long n) {
        totals.merge(counter, n, Long::sum);
    }

    public long get(ConsensusCounter counter) {
        return totals.getOrDefault(counter, 0L);
    }

    /** The totals by stable name ({@link ConsensusCounter#key()}), sorted; a copy. */
    public Map<String, Long> byName() {
        Map<String, Long> out = new TreeMap<>();
        totals.forEach((c, n) -> out.put(c.key(), n));
        return out;
    }

    /** The total under a stable name (0 for a name never counted or unknown). */
    public long get(String key) {
        for (Map.Entry<ConsensusCounter, Long> e : totals.entrySet()) {
            if (e.getKey().key().equals(key)) {
                return e.getValue();
            }
        }
        return 0;
    }
}
