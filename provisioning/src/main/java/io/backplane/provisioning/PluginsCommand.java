package io.backplane.provisioning;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.config.NodeHome;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.BytecodeScanner;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.LoadReport;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginMetrics;
import io.backplane.plugin.host.PluginOutcome;
import io.backplane.plugin.host.PluginRefusedException;
import io.backplane.plugin.host.attest.Attestation;
import io.backplane.plugin.host.attest.AttestationReport;
import io.backplane.plugin.host.attest.SoftwareEcSigner;
import io.backplane.plugin.host.lifecycle.HashChainedAuditLog;
import io.backplane.plugin.host.lifecycle.PluginStore;
import io.backplane.plugin.runtime.Wire;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane plugins verify|call|list|attest}: the plugin plane from the command line. The node home holds
 * {@code plugins/authors/<keyId>.pub} (trusted plugin authors), {@code plugins/store/} (the lifecycle store),
 * {@code plugins/audit.jsonl} (its hash-chained audit log) and {@code plugins/attestation-key.p8} (the software
 * attestation key, until the HSM identity key is wired). Input and output JSON shapes: plugin-enclave/api/README.md.
 */
@Command(name = "plugins", description = "Verify, call, list and attest sandboxed plugins.",
        subcommands = {PluginsCommand.Verify.class, PluginsCommand.Call.class, PluginsCommand.ListPlugins.class, PluginsCommand.Attest.class})
public final class PluginsCommand implements Callable<Integer> {
    static final ObjectMapper INPUT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    static Path pluginsDir(NodeHome home) {
        return home.dir().resolve("plugins");
    }

    static EnclaveHost host(NodeHome home, EnclaveSettings settings) {
        return EnclaveHost.create(settings, new AuthorKeys(pluginsDir(home).resolve("authors")), PluginMetrics.standalone());
    }

    static byte[] read(Path p, String what) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the " + what + " " + p + ": " + e.getMessage());
        }
    }

    /** The jar and manifest flags shared by verify, call and attest. */
    static final class PluginFiles {
        @Option(names = "--jar", paramLabel = "JAR", required = true, description = "The plugin jar.")
        Path jar;

        @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The plugin manifest (JSON).")
        Path manifest;
    }

    /** {@code plugins verify}: the load-time checks and their verdict; exit 0 accepted, 4 refused. */
    @Command(name = "verify", description = "Run the load-time checks (manifest, API range, signature, digest, bytecode scan) and print the verdict.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;
        @Mixin
        PluginFiles files;

        @Override
        public Integer call() {
            NodeHome h = home.resolve();
            try (EnclaveHost host = host(h, EnclaveSettings.defaults())) {
                LoadReport r = host.verify(read(files.manifest, "manifest"), files.jar);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("accepted", r.accepted());
                out.put("id", r.manifest() == null ? null : r.manifest().id());
                out.put("version", r.manifest() == null ? null : r.manifest().version());
                out.put("problems", r.problems());
                out.put("findings", r.findings().stream().map(BytecodeScanner.Finding::toString).toList());
                PrintWriter pw = spec.commandLine().getOut();
                if (json.enabled()) {
                    JsonOutput.line(pw, out);
                } else {
                    pw.println(r.accepted() ? "ACCEPTED " + r.manifest().id() + " " + r.manifest().version() : "REFUSED");
                    r.problems().forEach(p -> pw.println("  " + p));
                    r.findings().forEach(f -> pw.println("  scan: " + f));
                }
                return r.accepted() ? ExitCodes.OK : ExitCodes.PLUGIN_ERROR;
            }
        }
    }

    /** {@code plugins call}: one call in a fresh enclave; the answer, or {@code {"error":...}} and exit 4. */
    @Command(name = "call", description = "Run one call in a fresh enclave and print the plugin's answer.")
    static final class Call implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;
        @Mixin
        PluginFiles files;

        @Option(names = "--kind", required = true, paramLabel = "KIND", description = "leader-election, block-validator or routing.")
        String kind;

        @Option(names = "--input", required = true, paramLabel = "FILE", description = "The call's input (JSON, shape per kind in the api README).")
        Path input;

        @Option(names = "--deadline-ms", paramLabel = "MS", defaultValue = "2000", description = "Deadline of the call (default: ${DEFAULT-VALUE}).")
        long deadlineMs;

        @Option(names = "--allow-weak-sandbox", description = "Run without namespaces where bubblewrap cannot create them (unsafe for untrusted plugins).")
        boolean allowWeak;

        @Override
        public Integer call() {
            PluginKind k;
            try {
                k = PluginKind.fromWireName(kind);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--kind: " + e.getMessage());
            }
            byte[] inputJson = read(input, "input");
            Object parsed;
            try {
                parsed = switch (k) {
                    case LEADER_ELECTION -> INPUT.readValue(inputJson, LeaderElectionInput.class);
                    case BLOCK_VALIDATOR -> INPUT.readValue(inputJson, Wire.ValidationRequest.class);
                    case ROUTING -> INPUT.readValue(inputJson, RoutingInput.class);
                };
            } catch (IOException | RuntimeException e) {
                String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                throw new IllegalArgumentException("input " + input + " is not a valid " + k.wireName() + " input: " + why);
            }
            EnclaveSettings s = EnclaveSettings.defaults().withCallDeadline(Duration.ofMillis(deadlineMs)).withAllowWeakSandbox(allowWeak);
            PrintWriter pw = spec.commandLine().getOut();
            try (EnclaveHost host = host(home.resolve(), s); PluginClient c = host.load(read(files.manifest, "manifest"), files.jar)) {
                PluginOutcome<?> out = switch (k) {
                    case LEADER_ELECTION -> c.leaderSchedule((LeaderElectionInput) parsed);
                    case BLOCK_VALIDATOR -> c.validate(((Wire.ValidationRequest) parsed).proposal(), ((Wire.ValidationRequest) parsed).ledger());
                    case ROUTING -> c.route((RoutingInput) parsed);
                };
                if (out instanceof PluginOutcome.Decided<?> d) {
                    JsonOutput.line(pw, d.value());
                    return ExitCodes.OK;
                }
                PluginOutcome.Undecided<?> u = (PluginOutcome.Undecided<?>) out;
                return error(pw, u.reason().label() + ": " + u.detail());
            } catch (PluginRefusedException e) {
                return error(pw, e.reason().label() + ": " + e.getMessage());
            }
        }

        private static int error(PrintWriter pw, String message) {
            JsonOutput.line(pw, Map.of("error", message));
            return ExitCodes.PLUGIN_ERROR;
        }
    }

    /** {@code plugins list}: the store's plugins and this host's capabilities. */
    @Command(name = "list", description = "List the plugins in the node's store and what this host can run.")
    static final class ListPlugins implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;

        @Override
        public Integer call() {
            NodeHome h = home.resolve();
            try (EnclaveHost host = host(h, EnclaveSettings.defaults())) {
                Path dir = pluginsDir(h);
                List<PluginStore.Entry> entries = Files.isDirectory(dir.resolve("store"))
                        ? new PluginStore(dir.resolve("store"), new io.backplane.plugin.host.PluginVerifier(new AuthorKeys(dir.resolve("authors")), true),
                                new HashChainedAuditLog(dir.resolve("audit.jsonl"), Clock.systemUTC())).list()
                        : List.of();
                PrintWriter pw = spec.commandLine().getOut();
                if (json.enabled()) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("capabilities", host.capabilities());
                    out.put("plugins", entries);
                    JsonOutput.line(pw, out);
                } else {
                    var c = host.capabilities();
                    pw.println("plugin API " + c.apiVersions() + ", kinds " + c.kinds() + ", sandbox " + c.sandbox()
                            + (c.cause().isEmpty() ? "" : " (" + c.cause() + ")") + ", TEE " + c.tee());
                    if (entries.isEmpty()) {
                        pw.println("no plugins in " + dir.resolve("store"));
                    }
                    entries.forEach(e -> pw.printf("%-24s %-12s %-11s %s%n", e.id(), e.version(), e.state(), String.join(",", e.kinds())));
                }
                return ExitCodes.OK;
            }
        }
    }

    /** {@code plugins attest}: issue a signed measurement report, or verify one against a manifest. */
    @Command(name = "attest", description = "Issue a signed software attestation report for a plugin's enclave, or --verify one.")
    static final class Attest implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;

        @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The plugin manifest (JSON).")
        Path manifest;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Mode mode;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the report here.")
        Path outFile;

        @Option(names = "--trusted-key", paramLabel = "FILE", description = "Signer public key (X.509 DER) to require; default: this node's attestation key.")
        Path trustedKey;

        static final class Mode {
            @Option(names = "--jar", paramLabel = "JAR", description = "Issue a report for this jar.")
            Path jar;

            @Option(names = "--verify", paramLabel = "REPORT", description = "Verify this report against the manifest.")
            Path report;
        }

        @Override
        public Integer call() throws Exception {
            NodeHome h = home.resolve();
            PrintWriter pw = spec.commandLine().getOut();
            byte[] manifestJson = read(manifest, "manifest");
            if (mode.report != null) {
                AttestationReport r = Attestation.fromJson(read(mode.report, "report"));
                PublicKey key = trustedKey();
                List<String> problems = Attestation.verify(r, manifestJson, key);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("valid", problems.isEmpty());
                out.put("measurement", r.measurement());
                out.put("tee", r.tee());
                out.put("problems", problems);
                if (json.enabled()) {
                    JsonOutput.line(pw, out);
                } else {
                    pw.println((problems.isEmpty() ? "VALID " : "INVALID ") + r.pluginId() + " " + r.pluginVersion() + " measurement " + r.measurement()
                            + " (" + r.tee() + " measurement, no hardware quote)");
                    problems.forEach(p -> pw.println("  " + p));
                }
                return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
            }
            SoftwareEcSigner signer = SoftwareEcSigner.loadOrCreate(pluginsDir(h.ensureExists()));
            try (EnclaveHost host = host(h, EnclaveSettings.defaults())) {
                AttestationReport r = host.attest(manifestJson, mode.jar, signer, Clock.systemUTC());
                byte[] doc = Attestation.toJson(r);
                if (outFile != null) {
                    Files.write(outFile, doc);
                }
                pw.println(json.enabled() ? JsonOutput.MAPPER.writeValueAsString(r) : new String(doc, java.nio.charset.StandardCharsets.UTF_8));
                return ExitCodes.OK;
            } catch (PluginRefusedException e) {
                JsonOutput.line(pw, Map.of("error", e.getMessage()));
                return ExitCodes.PLUGIN_ERROR;
            }
        }

        private PublicKey trustedKey() throws Exception {
            Path f = trustedKey != null ? trustedKey : pluginsDir(home.resolve()).resolve("attestation-key.pub");
            if (!Files.exists(f)) {
                if (trustedKey != null) {
                    throw new IllegalArgumentException("trusted key " + f + " does not exist");
                }
                return null; // no node key here: check the report's own signature and the manifest only
            }
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Files.readAllBytes(f)));
        }
    }
}
