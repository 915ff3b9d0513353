package io.backplane.node.assembly;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.Accelerator;
import io.backplane.accel.Backends;
import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.Pins;
import io.backplane.node.admin.FlagOverrides;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.FeatureFlags;
import io.backplane.plugin.host.PluginMetrics;
import io.backplane.plugin.host.PluginVerifier;
import io.backplane.plugin.host.lifecycle.HashChainedAuditLog;
import io.backplane.plugin.host.lifecycle.PluginStore;
import io.backplane.plugin.host.SandboxProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Opens a node's parts from its home and configuration, in one place: the keystore (token, PIN, audit cadence), the
 * accelerator and its OpenCL program cache, the enclave host and its settings. The command line and the node call
 * these instead of building the parts themselves, so every command opens a part the same way.
 */
public final class NodeAssembly {
    /** Audit checkpoints: one signed checkpoint every this many audit entries. */
    public static final int CHECKPOINT_EVERY = 64;
    /** Names another directory for the compiled OpenCL programs than the home's. */
    public static final String OPENCL_CACHE_ENV = "BACKPLANE_OPENCL_CACHE";

    private NodeAssembly() {
    }

    // --- keystore

    /** The configured PKCS#11 library, or null for the project-owned SoftHSM under {@code <home>/hsm}. */
    public static Path hsmLibrary(BackplaneConfig config) {
        return config.hsm().library().isEmpty() ? null : Path.of(config.hsm().library());
    }

    /** The PIN file: {@code hsm.pinFile}, else {@code <home>/hsm/pin}. */
    public static Path pinFile(NodeHome home, BackplaneConfig config) {
        return config.hsm().pinFile().isEmpty() ? home.defaultPinFile() : Path.of(config.hsm().pinFile());
    }

    /** Whether {@code home} has a token: a configured PKCS#11 library, or the project-owned SoftHSM setup. */
    public static boolean hasToken(NodeHome home, BackplaneConfig config) {
        return hsmLibrary(config) != null || Files.exists(home.hsmDir().resolve("softhsm2.conf"));
    }

    /** The keystore options of this home and configuration. */
    public static Keystore.Options keystoreOptions(NodeHome home, BackplaneConfig config) {
        return new Keystore.Options(home.hsmDir(), hsmLibrary(config), config.hsm().tokenLabel(), config.node().id(), Clock.systemUTC(),
                CHECKPOINT_EVERY);
    }

    /** Opens the home's keystore with its PIN ({@code BACKPLANE_HSM_PIN}, else the PIN file); the PIN is wiped after. */
    public static Keystore openKeystore(NodeHome home, BackplaneConfig config) {
        char[] pin = Pins.read(System.getenv(), pinFile(home, config));
        try {
            return Keystore.open(keystoreOptions(home, config), pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /** Lists the home's keys without opening the guard or the audit log (read-only). */
    public static Keystore.Listing listKeys(NodeHome home, BackplaneConfig config) {
        char[] pin = Pins.read(System.getenv(), pinFile(home, config));
        try {
            return Keystore.listKeys(keystoreOptions(home, config), pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    // --- accelerator

    /** Where compiled OpenCL programs are kept: {@code $BACKPLANE_OPENCL_CACHE}, else {@code <home>/cache/opencl}. */
    public static Path openClCacheDir(NodeHome home) {
        return openClCacheDir(home, System.getenv());
    }

    static Path openClCacheDir(NodeHome home, Map<String, String> env) {
        String v = env.get(OPENCL_CACHE_ENV);
        return v != null && !v.isBlank() ? Path.of(v) : home.defaultOpenClCacheDir();
    }

    /** The device backend {@code spec} asks for, if any (see {@link Backends#openDevice}). */
    public static Optional<AccelBackend> openDevice(String spec, NodeHome home) {
        return Backends.openDevice(spec, openClCacheDir(home));
    }

    /** The accelerator {@code spec} asks for (CPU always; a device when asked and present), with the home's program cache. */
    public static Accelerator openAccelerator(String spec, NodeHome home, Accelerator.Options options) {
        return Backends.open(spec, openClCacheDir(home), options);
    }

    // --- plugin enclaves

    /** {@code plugins.*} mapped onto the enclave settings. */
    public static EnclaveSettings enclaveSettings(BackplaneConfig config) {
        var p = config.plugins();
        return EnclaveSettings.defaults().withLimits(p.heapMb(), p.addressSpaceMb(), p.cpuSeconds())
                .withCallDeadline(Duration.ofMillis(p.callDeadlineMs())).withAllowWeakSandbox(p.allowWeakSandbox())
                .withDualExecutionEvery(p.dualExecutionEvery());
    }

    /** {@code plugins.enabled} as feature flags: {@code *} turns every plugin on for every node. */
    public static FeatureFlags pluginFlags(BackplaneConfig config) {
        return config.plugins().allEnabled() ? FeatureFlags.allOn() : FeatureFlags.of(config.plugins().enabledByPlugin());
    }

    /**
     * The configuration's flags with the operator's overrides for this node ({@code <home>/admin/flags.json}, set
     * through the admin API); a damaged overrides file is an error naming it.
     */
    public static FeatureFlags pluginFlags(NodeHome home, BackplaneConfig config) {
        Map<String, Boolean> overrides;
        try {
            overrides = FlagOverrides.read(home.adminDir().resolve("flags.json"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        FeatureFlags base = pluginFlags(config);
        return overrides.isEmpty() ? base : base.overriddenFor(config.node().id(), overrides);
    }

    /**
     * The home's plugin store ({@code <home>/plugins/store}): manifests checked against the trusted authors
     * ({@code plugins/authors}), lifecycle consent signed by registered operators ({@code plugins/operators}), every
     * step in the hash-chained {@code plugins/audit.jsonl}.
     */
    public static PluginStore openPluginStore(NodeHome home) {
        Path dir = home.ensureExists().pluginsDir();
        return new PluginStore(dir.resolve("store"), new PluginVerifier(new AuthorKeys(home.pluginAuthorsDir()), true),
                new AuthorKeys(dir.resolve("operators")), new HashChainedAuditLog(dir.resolve("audit.jsonl"), Clock.systemUTC()));
    }

    /** An enclave host over the home's trusted plugin authors, with the node's feature flags and node id. */
    public static EnclaveHost enclaveHost(NodeHome home, BackplaneConfig config, EnclaveSettings settings) {
        return enclaveHost(home, config, settings, PluginMetrics.standalone());
    }

    /** The same, with its plugin series in {@code metrics} (the node's registry: what its metrics port and admin API serve). */
    public static EnclaveHost enclaveHost(NodeHome home, BackplaneConfig config, EnclaveSettings settings, PluginMetrics metrics) {
        return new EnclaveHost(settings, SandboxProbe.probe(), new AuthorKeys(home.pluginAuthorsDir()), metrics,
                pluginFlags(home, config), config.node().id(), System::nanoTime);
    }
}
