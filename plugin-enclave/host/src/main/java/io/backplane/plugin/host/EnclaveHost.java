package io.backplane.plugin.host;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.PluginManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin plane's entry point: verifies plugins at load, starts them in enclaves and hands back typed clients.
 * Refuses untrusted plugins when bubblewrap cannot create namespaces unless the operator allowed the weak mode, and
 * says so in the log and in {@link #capabilities()}.
 */
public final class EnclaveHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnclaveHost.class);

    private final EnclaveSettings settings;
    private final SandboxProbe.Availability sandbox;
    private final EnclaveLauncher launcher;
    private final PluginVerifier verifier;
    private final PluginMetrics metrics;
    private final FeatureFlags flags;
    private final String nodeId;
    private final LongSupplier nanoTime;
    private final Path workDir;
    private final java.util.List<PluginClient> loaded = new java.util.concurrent.CopyOnWriteArrayList<>();

    public EnclaveHost(EnclaveSettings settings, SandboxProbe.Availability sandbox, AuthorKeys authors, PluginMetrics metrics,
                       FeatureFlags flags, String nodeId, LongSupplier nanoTime) {
        this.settings = settings;
        this.sandbox = sandbox;
        this.launcher = new EnclaveLauncher(settings, sandbox);
        this.verifier = new PluginVerifier(authors, settings.scanBytecode());
        this.metrics = metrics;
        this.flags = flags;
        this.nodeId = nodeId;
        this.nanoTime = nanoTime;
        try {
            // The current java.io.tmpdir (the command's <home>/tmp/run-<pid>), not the one the JVM started with.
            this.workDir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "backplane-enclaves");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create the enclave work directory", e);
        }
        if (!sandbox.available()) {
            if (settings.allowWeakSandbox()) {
                LOG.warn("plugin enclaves run WITHOUT namespaces (weak mode allowed by the operator): {}", sandbox.cause());
            } else {
                LOG.error("plugin enclaves unavailable, untrusted plugins will be refused: {}", sandbox.cause());
            }
        }
        if (!settings.scanBytecode()) {
            LOG.warn("the bytecode determinism scan is OFF: only the sandbox stands between plugins and the node");
        }
    }

    /** A host with the real bubblewrap probe, all flags on, the system clock for supervision. */
    public static EnclaveHost create(EnclaveSettings settings, AuthorKeys authors, PluginMetrics metrics) {
        return new EnclaveHost(settings, SandboxProbe.probe(), authors, metrics, FeatureFlags.allOn(), "local", System::nanoTime);
    }

    public Capabilities capabilities() {
        String mode = sandbox.available() ? "bubblewrap" : settings.allowWeakSandbox() ? "weak" : "unavailable";
        return new Capabilities(List.of(ApiVersion.CURRENT.toString()),
                Arrays.stream(PluginKind.values()).map(PluginKind::wireName).toList(), PluginManifest.SCHEMA, mode, sandbox.cause(), "software");
    }

    public PluginMetrics metrics() {
        return metrics;
    }

    public EnclaveLauncher launcher() {
        return launcher;
    }

    public EnclaveSettings settings() {
        return settings;
    }

    /** The load-time checks only (the {@code plugins verify} command). */
    public LoadReport verify(byte[] manifestJson, Path jar) {
        return verifier.verify(manifestJson, jar);
    }

    /**
     * Verifies the plugin and prepares its enclave (started on the first call).
     *
     * @throws PluginRefusedException when a load check fails, the sandbox is missing or the flags disable the plugin
     */
    public PluginClient load(byte[] manifestJson, Path jar) throws PluginRefusedException {
        // The enclave runs a private copy, verified after copying, so the jar cannot change between check and use.
        Path copy;
        try {
            copy = Files.createTempFile(workDir, "plugin", ".jar");
            Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PluginRefusedException(UndecidedReason.REFUSED, "cannot read plugin jar " + jar + ": " + e.getMessage());
        }
        LoadReport report = verifier.verify(manifestJson, copy);
        String id = report.manifest() == null ? "unknown" : report.manifest().id();
        if (!report.accepted()) {
            metrics.refused(id);
            LOG.warn("plugin {} refused at load: {}", id, report.reasons());
            throw new PluginRefusedException(UndecidedReason.REFUSED, "plugin " + id + " refused: " + report.reasons());
        }
        if (!sandbox.available() && !settings.allowWeakSandbox()) {
            metrics.refused(id);
            throw new PluginRefusedException(UndecidedReason.SANDBOX_UNAVAILABLE, "plugin " + id + " refused: the enclave sandbox is unavailable ("
                    + sandbox.cause() + ") and the weak mode is not allowed (plugins.allowWeakSandbox)");
        }
        if (!flags.enabled(id, nodeId)) {
            throw new PluginRefusedException(UndecidedReason.DISABLED, "plugin " + id + " is not enabled on node " + nodeId);
        }
        PluginManifest m = report.manifest();
        List<PluginKind> kinds = m.pluginKinds();
        List<String> cmd = launcher.command(copy, m.entryClass(), kinds);
        EndpointFactory factory = () -> Enclave.start(m.id(), cmd, kinds, settings.startDeadline());
        SupervisedPlugin primary = new SupervisedPlugin(m.id(), factory, settings, metrics, nanoTime);
        SupervisedPlugin shadow = settings.dualExecutionEvery() > 0 ? new SupervisedPlugin(m.id(), factory, settings, metrics, nanoTime) : null;
        PluginClient client = new PluginClient(m.id(), kinds, primary, shadow, settings.dualExecutionEvery(), metrics);
        client.launch(new PluginClient.Launch(manifestJson, copy, cmd));
        loaded.add(client);
        return client;
    }

    /** The plugin plane's health: isolation mode and cause, scan, and every loaded plugin's supervision state. */
    public Health health() {
        loaded.removeIf(PluginClient::closed);
        return new Health(capabilities().sandbox(), sandbox.cause(), settings.scanBytecode(), loaded.stream()
                .map(c -> new Health.PluginHealth(c.pluginId(), c.supervisor().quarantined(), c.supervisor().consecutiveFailures())).toList());
    }

    /** The launch command the host would use for a verified plugin (measured by attestation). */
    public List<String> launchCommand(PluginManifest m, Path jar) {
        return launcher.command(jar, m.entryClass(), m.pluginKinds());
    }

    /**
     * Measures the enclave this host would start for a verified plugin and signs the report.
     *
     * @throws PluginRefusedException when the plugin fails its load checks (nothing is attested for it)
     */
    public io.backplane.plugin.host.attest.AttestationReport attest(byte[] manifestJson, Path jar,
            io.backplane.plugin.host.attest.AttestationSigner signer, java.time.Clock clock) throws PluginRefusedException {
        LoadReport report = verifier.verify(manifestJson, jar);
        if (!report.accepted()) {
            throw new PluginRefusedException(UndecidedReason.REFUSED, "plugin refused: " + report.reasons());
        }
        var components = io.backplane.plugin.host.attest.Attestation.measure(launcher.trustedClassPath(), jar, manifestJson, launcher.javaHome());
        return io.backplane.plugin.host.attest.Attestation.issue(report.manifest(), components, launchCommand(report.manifest(), jar),
                capabilities().sandbox(), signer, clock);
    }

    /** Measures what the enclaves of a loaded plugin actually run (its private jar copy, its exact argv) and signs it. */
    public io.backplane.plugin.host.attest.AttestationReport attest(PluginClient client, io.backplane.plugin.host.attest.AttestationSigner signer,
            java.time.Clock clock) {
        PluginClient.Launch l = client.launch();
        if (l == null) {
            throw new IllegalArgumentException(client.pluginId() + " runs in this JVM: there is no enclave to attest");
        }
        var components = io.backplane.plugin.host.attest.Attestation.measure(launcher.trustedClassPath(), l.jar(), l.manifestJson(), launcher.javaHome());
        return io.backplane.plugin.host.attest.Attestation.issue(ManifestCodec.parse(l.manifestJson()), components, l.command(),
                capabilities().sandbox(), signer, clock);
    }

    /** Trusted code in this JVM (reference plugins, tests): same wire, same checks, no isolation. */
    public PluginClient inProcess(String id, Object plugin, List<PluginKind> kinds) {
        EndpointFactory factory = () -> new InProcessEndpoint(plugin, kinds);
        SupervisedPlugin primary = new SupervisedPlugin(id, factory, settings, metrics, nanoTime);
        return new PluginClient(id, kinds, primary, null, 0, metrics);
    }

    /** Stops every enclave this host started and removes its private jar copies. */
    @Override
    public void close() {
        loaded.forEach(PluginClient::close);
        loaded.clear();
        try (var files = Files.list(workDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(workDir);
        } catch (IOException e) {
            LOG.debug("cannot clean {}: {}", workDir, e.getMessage());
        }
    }
}
