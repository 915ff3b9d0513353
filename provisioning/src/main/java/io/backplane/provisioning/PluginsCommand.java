package io.backplane.provisioning;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.plugin.api.LeaderElectionInput;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.RoutingInput;
import io.backplane.plugin.host.AuthorKeys;
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
import io.backplane.plugin.host.lifecycle.HashChainedAuditLog;
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
 * {@code plugins/operators/<identity>.pub} (who may sign uploads and approvals), {@code plugins/audit.jsonl} (its
 * hash-chained audit log, with its head anchor {@code audit.jsonl.head}) and, only on a node without a PKCS#11 token,
 * {@code plugins/attestation-key.p8} (a software attestation key; with a token the identity key signs). The
 * {@code plugins.*} config keys set the enclave limits and feature flags. JSON shapes: plugin-enclave/api/README.md.
 */
@Command(name = "plugins", description = "Verify, call, list and attest sandboxed plugins; run their lifecycle and check its audit log.",
        subcommands = {PluginsCommand.Verify.class, PluginsCommand.Call.class, PluginsCommand.ListPlugins.class, PluginsCommand.Attest.class,
                PluginsCommand.Keygen.class, PluginsCommand.Manifest.class, PluginsCommand.Trust.class,
                PluginsCommand.Upload.class, PluginsCommand.Approve.class, PluginsCommand.Activate.class, PluginsCommand.Epoch.class,
                PluginsCommand.Veto.class, PluginsCommand.Rollback.class, PluginsCommand.Retire.class, PluginsCommand.AuditVerify.class})
public final class PluginsCommand implements Callable<Integer> {
    static final ObjectMapper INPUT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    static Path pluginsDir(NodeHome home) {
        return home.pluginsDir();
    }

    static byte[] read(Path p, String what) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            String message = "cannot read the " + what + " " + p + ": " + why;
            // A plugin's own file that cannot be read refuses the plugin (exit 4), as a jar that cannot be read does.
            throw what.equals("manifest") ? CommandFailure.plugin(message) : new IllegalArgumentException(message);
        }
    }

    /** A jar that cannot be opened as a zip (truncated, not a jar) is refused before anything is signed for it. */
    static void checkReadableJar(Path jar) {
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile(), true)) {
            var entries = j.entries();
            while (entries.hasMoreElements()) {
                try (var in = j.getInputStream(entries.nextElement())) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        } catch (IOException | SecurityException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            throw CommandFailure.plugin("jar " + jar + " is not a readable jar: " + why);
        }
    }

    static PluginStore store(NodeHome home) {
        return NodeAssembly.openPluginStore(home);
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

    /** {@code plugins keygen}: an Ed25519 author key pair for signing manifests (author tooling, not node state). */
    @Command(name = "keygen", description = "Create an Ed25519 plugin-author key pair: DIR/ID.key (PKCS#8, owner-only) and DIR/ID.pub.")
    static final class Keygen implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JsonOutput json;
        @Option(names = "--key-id", required = true, paramLabel = "ID", description = "Author key id (goes into manifests).")
        String keyId;
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files.")
        Path out;

        @Override
        public Integer call() throws Exception {
            java.security.KeyPair kp = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Files.createDirectories(out);
            Path priv = out.resolve(keyId + ".key");
            Files.write(Files.createFile(priv, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))), kp.getPrivate().getEncoded());
            new AuthorKeys(out).trust(keyId, kp.getPublic());
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("keyId", keyId, "privateKey", priv.toString(),
                        "publicKey", out.resolve(keyId + ".pub").toString()));
            } else {
                spec.commandLine().getOut().println("wrote " + priv + " and " + out.resolve(keyId + ".pub"));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code plugins manifest}: writes a signed manifest for a jar. */
    @Command(name = "manifest", description = "Write a manifest for a jar, signed with an author key from keygen.")
    static final class Manifest implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        JsonOutput json;
        @Option(names = "--jar", required = true, paramLabel = "JAR") Path jar;
        @Option(names = "--id", required = true, paramLabel = "ID") String id;
        @Option(names = "--plugin-version", required = true, paramLabel = "SEMVER") String version;
        @Option(names = "--kind", required = true, paramLabel = "KIND", description = "Repeat for several kinds.") List<String> kinds;
        @Option(names = "--entry-class", required = true, paramLabel = "CLASS") String entryClass;
        @Option(names = "--api", defaultValue = "[1.0,2.0)", paramLabel = "RANGE", description = "Plugin API range (default: ${DEFAULT-VALUE}).") String api;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The author's private key (ID.key from keygen).") Path key;
        @Option(names = "--key-id", required = true, paramLabel = "ID") String keyId;
        @Option(names = "--out", required = true, paramLabel = "FILE") Path out;

        @Override
        public Integer call() throws Exception {
            checkReadableJar(jar);
            java.security.PrivateKey pk = KeyFactory.getInstance("Ed25519").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(read(key, "author key")));
            io.backplane.plugin.api.PluginManifest m = new io.backplane.plugin.api.PluginManifest(io.backplane.plugin.api.PluginManifest.SCHEMA,
                    id, version, api, kinds, entryClass, io.backplane.plugin.host.PluginVerifier.sha256Hex(jar), keyId, "x");
            if (!m.problems().isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", m.problems()));
            }
            Files.write(out, io.backplane.plugin.host.ManifestCodec.toJson(io.backplane.plugin.host.ManifestCodec.sign(m, pk)));
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("out", out.toString(), "id", id, "version", version,
                        "jarSha256", m.jarSha256()));
            } else {
                spec.commandLine().getOut().println("wrote " + out);
            }
            return ExitCodes.OK;
        }
    }

    /**
     * {@code plugins trust}: this node trusts a key (copies ID.pub into the home): an author's (manifests,
     * {@code plugins/authors/}) or an operator's (uploads and approvals, {@code plugins/operators/}).
     */
    @Command(name = "trust", description = "Trust a plugin author's key (--role author, default) or an operator identity's key (--role operator) on this node.")
    static final class Trust implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        HomeOption home;
        @Mixin
        JsonOutput json;
        @Option(names = "--key-id", required = true, paramLabel = "ID") String keyId;
        @Option(names = "--public-key", required = true, paramLabel = "FILE", description = "ID.pub from keygen.") Path pub;
        @Option(names = "--role", defaultValue = "author", paramLabel = "ROLE",
                description = "author (signs manifests) or operator (signs uploads and approvals; --key-id is the identity used with --as). Default: ${DEFAULT-VALUE}.")
        String role;

        @Override
        public Integer call() throws Exception {
            if (!role.equals("author") && !role.equals("operator")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--role must be author or operator, got '" + role + "'");
            }
            PublicKey k = new AuthorKeys(pub.toAbsolutePath().getParent()).find(pub.getFileName().toString().replaceFirst("\\.pub$", ""))
                    .orElseThrow(() -> new IllegalArgumentException(pub + " is not an Ed25519 public key file named ID.pub"));
            Path dir = pluginsDir(home.resolve().ensureExists()).resolve(role.equals("author") ? "authors" : "operators");
            new AuthorKeys(dir).trust(keyId, k);
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), Map.of("role", role, "keyId", keyId, "file", dir.resolve(keyId + ".pub").toString()));
            } else {
                spec.commandLine().getOut().println("trusting " + role + " " + keyId + " (" + dir.resolve(keyId + ".pub") + ")");
            }
            return ExitCodes.OK;
        }
    }

    /** Shared by the lifecycle steps: home, JSON, the acting identity; prints the entry; exit 4 on a refused step. */
    abstract static class Step extends NodeCommand {
        @Option(names = "--as", required = true, paramLabel = "IDENTITY", description = "Who performs this step (recorded in the audit log).")
        String actor;

        abstract Object step(PluginStore store);

        @Override
        public Integer call() {
            PrintWriter pw = spec.commandLine().getOut();
            try {
                Object result = step(store(home.resolve()));
                if (json.enabled()) {
                    JsonOutput.line(pw, result);
                } else {
                    human(pw, result);
                }
                return ExitCodes.OK;
            } catch (io.backplane.plugin.host.lifecycle.LifecycleException e) {
                throw CommandFailure.plugin(e.getMessage());
            }
        }

        /** An entry as {@code id version STATE}, one per line; other answers as their JSON. */
        private static void human(PrintWriter pw, Object result) {
            List<?> items = result instanceof List<?> l ? l : List.of(result);
            if (items.isEmpty()) {
                pw.println("no plugin changed state");
            }
            for (Object o : items) {
                if (o instanceof PluginStore.Entry e) {
                    pw.printf("%s %s %s%n", e.id(), e.version(), e.state());
                } else {
                    JsonOutput.line(pw, o);
                }
            }
        }
    }

    /** The operator's private key (ID.key from keygen), read once and used to sign one step. */
    static java.security.PrivateKey operatorKey(Path key) {
        return io.backplane.plugin.host.lifecycle.Authorization.readKey(key);
    }

    @Command(name = "upload", description = "Store a plugin after every load-time check: STAGED. Signed by the operator identity --as with --key.")
    static final class Upload extends Step {
        @Mixin
        PluginFiles files;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The --as operator's private key (ID.key from keygen).")
        Path key;

        @Override
        Object step(PluginStore store) {
            byte[] manifestJson = read(files.manifest, "manifest");
            io.backplane.plugin.api.PluginManifest m;
            try {
                m = io.backplane.plugin.host.ManifestCodec.parse(manifestJson);
            } catch (io.backplane.plugin.host.ManifestCodec.ManifestException e) {
                m = null; // the store refuses it with every reason, and audits the refusal
            }
            var auth = m == null ? new io.backplane.plugin.host.lifecycle.Authorization(actor, null)
                    : io.backplane.plugin.host.lifecycle.Authorization.sign(actor, operatorKey(key), "upload", m.id(), m.version(), m.jarSha256());
            return store.upload(manifestJson, files.jar, auth);
        }
    }

    @Command(name = "approve", description = "STAGED -> APPROVED, signed by an operator identity whose key is not the uploader's.")
    static final class Approve extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The --as operator's private key (ID.key from keygen).")
        Path key;

        @Override
        Object step(PluginStore store) {
            // The approver signs the digest of the jar the store holds, so the approval is of those exact bytes.
            String digest = store.find(id, version).map(PluginStore.Entry::jarSha256).orElse("");
            return store.approve(id, version, io.backplane.plugin.host.lifecycle.Authorization.sign(actor, operatorKey(key), "approve", id, version, digest));
        }
    }

    @Command(name = "activate", description = "APPROVED -> PENDING, to become ACTIVE at a future epoch.")
    static final class Activate extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;
        @Option(names = "--epoch", required = true, paramLabel = "E") long epoch;
        @Option(names = "--current-epoch", required = true, paramLabel = "E") long current;

        @Override
        Object step(PluginStore store) {
            return store.scheduleActivation(id, version, epoch, current, actor);
        }
    }

    @Command(name = "epoch", description = "Local activation signal: epoch E began; pending plugins due by E become ACTIVE.")
    static final class Epoch extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "E") long epoch;

        @Override
        Object step(PluginStore store) {
            return store.onEpoch(epoch, actor);
        }
    }

    @Command(name = "veto", description = "PENDING -> VETOED.")
    static final class Veto extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;

        @Override
        Object step(PluginStore store) {
            return store.veto(id, version, actor);
        }
    }

    @Command(name = "rollback", description = "ACTIVE -> ROLLED_BACK; the version it replaced becomes ACTIVE again.")
    static final class Rollback extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        Object step(PluginStore store) {
            return store.rollback(id, actor);
        }
    }

    /** {@code plugins audit-verify}: checks the lifecycle audit log's chain and head anchor; exit 0 intact, 1 damaged. */
    @Command(name = "audit-verify", description = "Check the lifecycle audit log (plugins/audit.jsonl): edits, reordering and deletions, a deleted tail included (head anchor).")
    static final class AuditVerify extends NodeCommand {

        @Override
        public Integer call() {
            Path file = pluginsDir(home.resolve()).resolve("audit.jsonl");
            if (!Files.exists(file) && !Files.exists(HashChainedAuditLog.headFile(file))) {
                throw new IllegalArgumentException("no plugin audit log at " + file);
            }
            HashChainedAuditLog.Verification v = HashChainedAuditLog.checkFile(file);
            PrintWriter pw = spec.commandLine().getOut();
            if (json.enabled()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("intact", v.intact());
                out.put("entries", v.entries());
                out.put("headSeq", v.headSeq());
                out.put("unanchored", v.unanchored());
                out.put("problems", v.problems());
                JsonOutput.line(pw, v.intact() ? out : JsonOutput.failed(ExitCodes.FAILURE, "damaged: " + String.join("; ", v.problems()), out));
            } else {
                pw.println((v.intact() ? "INTACT " : "DAMAGED ") + file + ": " + v.entries() + " entries, head anchor at " + v.headSeq()
                        + (v.unanchored() > 0 ? " (" + v.unanchored() + " entry after it: re-anchored when the store next opens)" : ""));
                v.problems().forEach(p -> pw.println("  " + p));
            }
            return v.intact() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    @Command(name = "retire", description = "STAGED, APPROVED, ACTIVE or SUPERSEDED -> RETIRED.")
    static final class Retire extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;

        @Override
        Object step(PluginStore store) {
            return store.retire(id, version, actor);
        }
    }
}
