package io.backplane.node.runtime;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * The node's Prometheus series (DESIGN.md §9): commits, committed transactions, commit latency (from this node's
 * mempool accepting a transaction to its block executing here) and block interval histograms, mempool depth and
 * rejects, consensus queue drops, state divergences; the accelerator's and plugin host's series share the registry.
 * Also keeps the last {@link #WINDOW} commit latencies for the status's quantiles. Thread-safe.
 */
final class NodeMetrics {
    static final int WINDOW = 8192;

    private final PrometheusRegistry registry;
    private final Counter blocks;
    private final Counter txs;
    private final Histogram commitLatency;
    private final Histogram blockInterval;
    private final Gauge mempoolDepth;
    private final Counter rejects;
    private final Gauge height;
    private final Gauge round;
    private final double[] window = new double[WINDOW];
    private long samples;

    NodeMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        blocks = Counter.builder().name("backplane_committed_blocks_total").help("Blocks committed and executed").register(registry);
        txs = Counter.builder().name("backplane_committed_tx_total").help("Transactions applied by committed blocks").register(registry);
        commitLatency = Histogram.builder().name("backplane_commit_latency_seconds")
                .help("From this node's mempool accepting a transaction to its block executing here")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        blockInterval = Histogram.builder().name("backplane_block_interval_seconds").help("Between consecutive committed blocks (round duration when every round commits)")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        mempoolDepth = Gauge.builder().name("backplane_mempool_depth").help("Transactions waiting in the mempool").register(registry);
        rejects = Counter.builder().name("backplane_mempool_rejects_total").help("Submitted transactions rejected, by reason").labelNames("reason").register(registry);
        height = Gauge.builder().name("backplane_committed_height").help("Committed height").register(registry);
        round = Gauge.builder().name("backplane_round").help("Current consensus round").register(registry);
    }

    /**
     * Per-peer series read from the transport at each scrape: connected, outbound queue depth, messages sent and
     * dropped per lane; and the consensus thread's inbound queue depth and drops.
     */
    void peers(java.util.function.Supplier<java.util.Map<Integer, io.backplane.node.net.PeerStats>> stats,
               java.util.function.LongSupplier inboundDepth, java.util.function.LongSupplier inboundDropped) {
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("backplane_peer_connected").help("1 while the outbound link to the peer is up")
                .labelNames("peer").callback(cb -> stats.get().forEach((p, st) -> cb.call(st.connected() ? 1 : 0, Integer.toString(p)))).register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("backplane_peer_queue_depth").help("Messages waiting in the peer's outbound queue")
                .labelNames("peer").callback(cb -> stats.get().forEach((p, st) -> cb.call(st.queueDepth(), Integer.toString(p)))).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("backplane_peer_sent").help("Messages sent to the peer, by lane")
                .labelNames("peer", "lane").callback(cb -> stats.get().forEach((p, st) -> {
                    for (io.backplane.node.net.Lane l : io.backplane.node.net.Lane.values()) {
                        cb.call(st.sent(l), Integer.toString(p), l.name().toLowerCase(java.util.Locale.ROOT));
                    }
                })).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("backplane_peer_dropped").help("Messages to the peer shed from a full queue, by lane")
                .labelNames("peer", "lane").callback(cb -> stats.get().forEach((p, st) -> {
                    for (io.backplane.node.net.Lane l : io.backplane.node.net.Lane.values()) {
                        cb.call(st.dropped(l), Integer.toString(p), l.name().toLowerCase(java.util.Locale.ROOT));
                    }
                })).register(registry);
        io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("backplane_consensus_queue_depth").help("Events waiting for the consensus thread")
                .callback(cb -> cb.call(inboundDepth.getAsLong())).register(registry);
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("backplane_consensus_queue_dropped").help("Peer messages dropped because the consensus queue was full")
                .callback(cb -> cb.call(inboundDropped.getAsLong())).register(registry);
    }

    /** {@code backplane_signatures_total{kind, outcome}}: what became of each signing request, read from the signer at each scrape. */
    void signing(java.util.function.ToLongBiFunction<io.backplane.node.consensus.types.SigningKind, io.backplane.node.keys.HsmConsensusSigner.Outcome> counts) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("backplane_signatures")
                .help("Signing requests of this validator's key, by kind and outcome (signed; refused by the double-sign guard; failed in the token; "
                        + "withheld: safety data not durable)")
                .labelNames("kind", "outcome").callback(cb -> {
                    for (io.backplane.node.consensus.types.SigningKind k : io.backplane.node.consensus.types.SigningKind.values()) {
                        for (io.backplane.node.keys.HsmConsensusSigner.Outcome o : io.backplane.node.keys.HsmConsensusSigner.Outcome.values()) {
                            cb.call(counts.applyAsLong(k, o), k.name().toLowerCase(java.util.Locale.ROOT), o.wireName());
                        }
                    }
                }).register(registry);
    }

    PrometheusRegistry registry() {
        return registry;
    }

    void committed(long h, int txCount, double intervalSeconds) {
        blocks.inc();
        txs.inc(txCount);
        height.set(h);
        if (intervalSeconds >= 0) {
            blockInterval.observe(intervalSeconds);
        }
    }

    synchronized void commitLatency(double seconds) {
        commitLatency.observe(seconds);
        window[(int) (samples++ % WINDOW)] = seconds;
    }

    void round(long r) {
        round.set(r);
    }

    void mempool(int depth) {
        mempoolDepth.set(depth);
    }

    void rejected(String reason) {
        rejects.labelValues(reason).inc();
    }

    /** The {@code q} quantile (0..1) of the recent commit latencies, in milliseconds; -1 with none yet. */
    synchronized double latencyQuantileMs(double q) {
        int n = (int) Math.min(samples, WINDOW);
        if (n == 0) {
            return -1;
        }
        double[] copy = Arrays.copyOf(window, n);
        Arrays.sort(copy);
        return copy[Math.min(n - 1, (int) Math.floor(q * (n - 1) + 0.5))] * 1000.0;
    }

    /** The registry in the Prometheus text format. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
