package io.backplane.plugin.host;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one plugin answering: starts its endpoint on demand, kills and restarts it after a crash, a missed deadline or a
 * protocol violation with exponential backoff (base, doubled per consecutive failure, capped), and quarantines it after
 * {@link EnclaveSettings#quarantineAfter()} consecutive failures until an operator {@link #release()}s it. A plugin
 * error (the plugin threw) keeps the enclave but counts toward the quarantine like any other failure; a call that
 * takes more than half its deadline is counted as slow ({@code backplane_plugin_slow_calls_total}), the liveness it
 * costs the node. While it
 * cannot answer it returns {@link PluginOutcome.Undecided}; it never answers for the plugin. Time comes from an injected
 * nanosecond source so backoff is testable without sleeping. Thread-safe: calls are serialised.
 */
public final class SupervisedPlugin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedPlugin.class);

    private final String pluginId;
    private final EndpointFactory factory;
    private final EnclaveSettings settings;
    private final PluginMetrics metrics;
    private final LongSupplier nanoTime;
    private PluginEndpoint endpoint;
    private int consecutiveFailures;
    private long notBeforeNanos;
    private boolean quarantined;
    private String lastFailure = "";

    public SupervisedPlugin(String pluginId, EndpointFactory factory, EnclaveSettings settings, PluginMetrics metrics, LongSupplier nanoTime) {
        this.pluginId = pluginId;
        this.factory = factory;
        this.settings = settings;
        this.metrics = metrics;
        this.nanoTime = nanoTime;
    }

    public String pluginId() {
        return pluginId;
    }

    /** Calls the plugin; the outcome's reason says why when there is no answer. Counts the outcome in the metrics. */
    public synchronized PluginOutcome<byte[]> call(String method, byte[] payload) {
        long t0 = System.nanoTime(); // wall clock for the latency metric only
        PluginOutcome<byte[]> out = doCall(method, payload);
        long took = System.nanoTime() - t0;
        metrics.call(pluginId, out instanceof PluginOutcome.Undecided<byte[]> u ? u.reason().label() : "ok", took / 1e9);
        if (took > settings.callDeadline().toNanos() / 2) {
            metrics.slowCall(pluginId);
        }
        return out;
    }

    private PluginOutcome<byte[]> doCall(String method, byte[] payload) {
        if (quarantined) {
            return new PluginOutcome.Undecided<>(UndecidedReason.QUARANTINED, pluginId + " is quarantined after " + consecutiveFailures + " failures; last: " + lastFailure);
        }
        if (endpoint == null || !endpoint.alive()) {
            if (endpoint != null) {
                // Died between calls (CPU limit, OOM in a background thread): the same as a crash.
                endpoint = null;
                PluginOutcome<byte[]> u = fail(new EnclaveFailure(UndecidedReason.CRASHED, pluginId + " died between calls"));
                if (quarantined) {
                    return u;
                }
            }
            long now = nanoTime.getAsLong();
            if (now - notBeforeNanos < 0) {
                return new PluginOutcome.Undecided<>(UndecidedReason.BACKING_OFF, pluginId + " restarts in " + (notBeforeNanos - now) / 1_000_000 + " ms; last failure: " + lastFailure);
            }
            try {
                endpoint = factory.start();
                metrics.started(pluginId);
            } catch (EnclaveFailure f) {
                return fail(f);
            }
        }
        try {
            byte[] answer = endpoint.call(method, payload, settings.callDeadline());
            consecutiveFailures = 0;
            return new PluginOutcome.Decided<>(answer);
        } catch (EnclaveFailure f) {
            if (!f.reason().killsEnclave()) {
                return pluginError(f);
            }
            endpoint.close();
            endpoint = null;
            return fail(f);
        }
    }

    /** A plugin error: the enclave stays, the failure counts toward the quarantine (no restart backoff). */
    private PluginOutcome<byte[]> pluginError(EnclaveFailure f) {
        consecutiveFailures++;
        lastFailure = f.getMessage();
        if (consecutiveFailures >= settings.quarantineAfter()) {
            quarantine();
        }
        return new PluginOutcome.Undecided<>(f.reason(), f.getMessage());
    }

    private void quarantine() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        quarantined = true;
        metrics.quarantined(pluginId, true);
        // The alert: operators watch ERROR lines and the quarantine gauge.
        LOG.error("ALERT plugin {} quarantined after {} consecutive failures; last: {}", pluginId, consecutiveFailures, lastFailure);
    }

    /** Counts a failure that cost the enclave, schedules the restart, quarantines on the n-th in a row. */
    synchronized PluginOutcome<byte[]> fail(EnclaveFailure f) {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
        consecutiveFailures++;
        lastFailure = f.getMessage();
        metrics.restartDue(pluginId, f.reason());
        long backoff = settings.backoffBase().toNanos() << Math.min(consecutiveFailures - 1, 20);
        backoff = Math.min(backoff, settings.backoffMax().toNanos());
        notBeforeNanos = nanoTime.getAsLong() + backoff;
        if (consecutiveFailures >= settings.quarantineAfter()) {
            quarantine();
        } else {
            LOG.warn("plugin {} failed ({}): {}; restart in {} ms", pluginId, f.reason().label(), f.getMessage(), Duration.ofNanos(backoff).toMillis());
        }
        return new PluginOutcome.Undecided<>(f.reason(), f.getMessage());
    }

    public synchronized boolean quarantined() {
        return quarantined;
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** Operator action: lift the quarantine; the next call starts a fresh enclave. */
    public synchronized void release() {
        quarantined = false;
        consecutiveFailures = 0;
        notBeforeNanos = nanoTime.getAsLong();
        metrics.quarantined(pluginId, false);
    }

    /** The live endpoint, if any (tests look at the process). */
    public synchronized PluginEndpoint endpoint() {
        return endpoint;
    }

    @Override
    public synchronized void close() {
        if (endpoint != null) {
            endpoint.close();
            endpoint = null;
        }
    }
}
