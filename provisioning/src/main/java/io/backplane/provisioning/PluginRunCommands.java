package io.backplane.provisioning;

import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.host.BytecodeScanner;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.LoadReport;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginOutcome;
import io.backplane.plugin.host.PluginRefusedException;
import io.backplane.plugin.host.attest.Attestation;
import io.backplane.plugin.host.attest.AttestationReport;
import io.backplane.plugin.host.attest.AttestationSigner;
import io.backplane.plugin.host.attest.SoftwareEcSigner;
import io.backplane.plugin.host.lifecycle.PluginStore;
import io.backplane.plugin.wire.Wire;
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
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static io.backplane.provisioning.PluginInputs.*;
import static io.backplane.provisioning.PluginsCommand.*;

/** {@code plugins verify|call|list|attest}: the load-time checks, one call in a fresh enclave, the store's list and attestation reports. */
final class PluginRunCommands {
    private PluginRunCommands() {
    }

    /** {@code plugins verify}: the load-time checks and their verdict; exit 0 accepted, 4 refused. */
    @Command(name = "verify", description = "Run the load-time checks (manifest, API range, signature, digest, bytecode scan) and print the verdict.")
    static final class Verify extends NodeCommand {
        @Mixin
        PluginFiles files;

        @Override
        public Integer call() {
            NodeHome h = home.resolve();
            BackplaneConfig config = home.loadConfig(h);
            try (EnclaveHost host = NodeAssembly.enclaveHost(h, config, NodeAssembly.enclaveSettings(config))) {
                LoadReport r = host.verify(read(files.manifest, "manifest"), files.jar);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("accepted", r.accepted());
                out.put("id", r.manifest() == null ? null : r.manifest().id());
                out.put("version", r.manifest() == null ? null : r.manifest().version());
                out.put("problems", r.problems());
                out.put("findings", r.findings().stream().map(BytecodeScanner.Finding::toString).toList());
                PrintWriter pw = spec.commandLine().getOut();
                if (json.enabled()) {
                    JsonOutput.line(pw, r.accepted() ? out : JsonOutput.failed(ExitCodes.PLUGIN_ERROR, "refused: " + String.join("; ", r.problems()), out));
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
    static final class Call extends NodeCommand {
        @Mixin
        PluginFiles files;

        @Option(names = "--kind", required = true, paramLabel = "KIND", description = "leader-election, block-validator or routing.")
        String kind;

        @Option(names = "--input", required = true, paramLabel = "FILE", description = "The call's input (JSON, shape per kind in the api README).")
        Path input;

        @Option(names = "--deadline-ms", paramLabel = "MS", description = "Deadline of the call (default: plugins.callDeadlineMs).")
        Long deadlineMs;

        @Option(names = "--allow-weak-sandbox", description = "Run without namespaces where bubblewrap cannot create them (unsafe for untrusted plugins; default: plugins.allowWeakSandbox).")
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
            NodeHome h = home.resolve();
            BackplaneConfig config = home.loadConfig(h);
            EnclaveSettings s = NodeAssembly.enclaveSettings(config);
            if (deadlineMs != null) {
                if (deadlineMs <= 0) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--deadline-ms must be positive, got " + deadlineMs);
                }
                s = s.withCallDeadline(Duration.ofMillis(deadlineMs));
            }
            if (allowWeak) {
                s = s.withAllowWeakSandbox(true);
            }
            PrintWriter pw = spec.commandLine().getOut();
            try (EnclaveHost host = NodeAssembly.enclaveHost(h, config, s); PluginClient c = host.load(read(files.manifest, "manifest"), files.jar)) {
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
            throw CommandFailure.plugin(message);
        }
    }

    /** {@code plugins list}: the store's plugins and this host's capabilities. */
    @Command(name = "list", description = "List the plugins in the node's store and what this host can run.")
    static final class ListPlugins extends NodeCommand {

        @Override
        public Integer call() {
            NodeHome h = home.resolve();
            BackplaneConfig config = home.loadConfig(h);
            try (EnclaveHost host = NodeAssembly.enclaveHost(h, config, NodeAssembly.enclaveSettings(config))) {
                Path dir = pluginsDir(h);
                List<PluginStore.Entry> entries = Files.isDirectory(dir.resolve("store")) ? store(h).list() : List.of();
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
                    c.walls().forEach(w -> pw.printf("wall %-22s %-3s %s%n", w.name(), w.inForce() ? "on" : "OFF", w.detail()));
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
    static final class Attest extends NodeCommand {

        @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The plugin manifest (JSON).")
        Path manifest;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Mode mode;

        @Option(names = "--out", paramLabel = "FILE", description = "Also write the report here.")
        Path outFile;

        @Option(names = "--trusted-key", paramLabel = "FILE", description = "The key reports must be signed by: a PEM certificate (a node's hsm/identity.pem) or an X.509 DER EC public key; default: this home's identity certificate, else its software attestation key.")
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
                Anchor anchor = trustAnchor(h);
                List<String> problems = Attestation.verify(r, manifestJson, anchor.key());
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("valid", problems.isEmpty());
                out.put("measurement", r.measurement());
                out.put("tee", r.tee());
                out.put("signerKind", r.signerKind());
                out.put("trustAnchor", anchor.source());
                out.put("problems", problems);
                if (json.enabled()) {
                    JsonOutput.line(pw, problems.isEmpty() ? out : JsonOutput.failed(ExitCodes.FAILURE, "invalid report: " + String.join("; ", problems), out));
                } else {
                    pw.println((problems.isEmpty() ? "VALID " : "INVALID ") + r.pluginId() + " " + r.pluginVersion() + " measurement " + r.measurement()
                            + " (" + r.tee() + " measurement, no hardware quote; signed by " + r.signerKind() + " key " + r.signerKeyId()
                            + ", trusted: " + anchor.source() + ")");
                    problems.forEach(p -> pw.println("  " + p));
                }
                return problems.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
            }
            BackplaneConfig config = home.loadConfig(h);
            // A node with a token signs with its identity key, never silently with a file key instead.
            boolean token = NodeAssembly.hasToken(h, config);
            try (AutoCloseable keystore = token ? NodeAssembly.openKeystore(h, config) : () -> { };
                 EnclaveHost host = NodeAssembly.enclaveHost(h, config, NodeAssembly.enclaveSettings(config))) {
                AttestationSigner signer = token
                        ? new io.backplane.node.keys.IdentityAttestationSigner((io.backplane.hsm.keystore.Keystore) keystore, config.node().id())
                        : SoftwareEcSigner.loadOrCreate(pluginsDir(h.ensureExists()));
                AttestationReport r = host.attest(manifestJson, mode.jar, signer, Clock.systemUTC());
                byte[] doc = Attestation.toJson(r);
                if (outFile != null) {
                    Files.write(outFile, doc);
                }
                if (json.enabled()) {
                    pw.println(JsonOutput.MAPPER.writeValueAsString(r));
                } else {
                    pw.println(outFile != null ? "wrote " + outFile + " (" + r.pluginId() + " " + r.pluginVersion() + ", measurement " + r.measurement() + ")"
                            : new String(doc, java.nio.charset.StandardCharsets.UTF_8));
                }
                return ExitCodes.OK;
            } catch (PluginRefusedException e) {
                throw CommandFailure.plugin(e.getMessage());
            }
        }

        /** The key a report must be signed by, and where it came from. */
        record Anchor(PublicKey key, String source) {
        }

        /**
         * {@code --trusted-key}, else the home's identity certificate ({@code hsm/identity.pem}), else the home's
         * software attestation key. Never the key inside the report: that would accept any self-signed report.
         */
        private Anchor trustAnchor(NodeHome h) throws Exception {
            if (trustedKey != null) {
                if (!Files.isRegularFile(trustedKey)) {
                    throw new IllegalArgumentException("trusted key " + trustedKey + " does not exist");
                }
                return new Anchor(readPublicKey(trustedKey), trustedKey.toString());
            }
            Path identity = h.hsmDir().resolve("identity.pem");
            if (Files.isRegularFile(identity)) {
                return new Anchor(readPublicKey(identity), identity.toString());
            }
            Path software = pluginsDir(h).resolve("attestation-key.pub");
            if (Files.isRegularFile(software)) {
                return new Anchor(readPublicKey(software), software.toString());
            }
            throw new IllegalArgumentException("no trust anchor: " + h.dir() + " has no identity certificate (" + identity
                    + ") and no attestation key (" + software + "); pass --trusted-key FILE (the signing node's identity.pem or public key)");
        }

        /** A PEM certificate (identity.pem), or an X.509 (SubjectPublicKeyInfo) EC public key in DER. */
        static PublicKey readPublicKey(Path f) {
            byte[] b = read(f, "trusted key");
            try {
                if (new String(b, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
                    return java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificate(new java.io.ByteArrayInputStream(b)).getPublicKey();
                }
                return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(b));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException(f + " is neither a PEM certificate nor an X.509 EC public key: " + e.getMessage());
            }
        }
    }

}
