package io.backplane.plugin.host;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The plugin plane's Prometheus metrics: calls by plugin and outcome ({@code ok} or an {@link UndecidedReason} label),
 * call latency, slow calls (over half the deadline), enclave starts and restarts, quarantines, load refusals and
 * non-determinism found by dual execution.
 */
public final class PluginMetrics {
    private final Counter calls;
    private final Histogram latency;
    private final Counter starts;
    private final Counter restarts;
    private final Counter quarantines;
    private final Counter refusals;
    private final Counter nonDeterminism;
    private final Gauge quarantined;
    private final Counter slowCalls;

    public PluginMetrics(PrometheusRegistry registry) {
        calls = Counter.builder().name("backplane_plugin_calls_total").help("Plugin calls by outcome").labelNames("plugin", "outcome").register(registry);
        latency = Histogram.builder().name("backplane_plugin_call_seconds").help("Plugin call latency").labelNames("plugin").register(registry);
        starts = Counter.builder().name("backplane_plugin_enclave_starts_total").help("Enclaves started").labelNames("plugin").register(registry);
        restarts = Counter.builder().name("backplane_plugin_enclave_restarts_total").help("Enclaves killed for a failure and due a restart").labelNames("plugin", "reason").register(registry);
        quarantines = Counter.builder().name("backplane_plugin_quarantines_total").help("Plugins quarantined after repeated failures").labelNames("plugin").register(registry);
        refusals = Counter.builder().name("backplane_plugin_load_refusals_total").help("Plugins refused at load").labelNames("plugin").register(registry);
        nonDeterminism = Counter.builder().name("backplane_plugin_nondeterminism_total").help("Dual executions whose answers differed").labelNames("plugin").register(registry);
        slowCalls = Counter.builder().name("backplane_plugin_slow_calls_total").help("Calls that took more than half their deadline (liveness cost)").labelNames("plugin").register(registry);
        quarantined = Gauge.builder().name("backplane_plugin_quarantined").help("1 while the plugin is quarantined").labelNames("plugin").register(registry);
    }

    /** Fresh metrics in their own registry (command line, tests). */
    public static PluginMetrics standalone() {
        return new PluginMetrics(new PrometheusRegistry());
    }

    void call(String plugin, String outcome, double seconds) {
        calls.labelValues(plugin, outcome).inc();
        latency.labelValues(plugin).observe(seconds);
    }

    void started(String plugin) {
        starts.labelValues(plugin).inc();
    }

    void restartDue(String plugin, UndecidedReason reason) {
        restarts.labelValues(plugin, reason.label()).inc();
    }

    void quarantined(String plugin, boolean on) {
        if (on) {
            quarantines.labelValues(plugin).inc();
        }
        quarantined.labelValues(plugin).set(on ? 1 : 0);
    }

    void slowCall(String plugin) {
        slowCalls.labelValues(plugin).inc();
    }

    public long slowCalls(String plugin) {
        return (long) slowCalls.labelValues(plugin).get();
    }

    void refused(String plugin) {
        refusals.labelValues(plugin).inc();
    }

    void nonDeterministic(String plugin) {
        nonDeterminism.labelValues(plugin).inc();
    }

    /** Calls of {@code plugin} with {@code outcome} ({@code ok} or a reason label) so far. */
    public long calls(String plugin, String outcome) {
        return (long) calls.labelValues(plugin, outcome).get();
    }

    public long starts(String plugin) {
        return (long) starts.labelValues(plugin).get();
    }

    public long restarts(String plugin, UndecidedReason reason) {
        return (long) restarts.labelValues(plugin, reason.label()).get();
    }

    public long quarantines(String plugin) {
        return (long) quarantines.labelValues(plugin).get();
    }

    public long refusals(String plugin) {
        return (long) refusals.labelValues(plugin).get();
    }

    public long nonDeterminism(String plugin) {
        return (long) nonDeterminism.labelValues(plugin).get();
    }
}
