package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.Watermark;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditVerifier;
import io.backplane.hsm.bls.SealedBlsKeys;
import io.backplane.hsm.guard.GuardHistoryJson;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.keystore.SealedKeyExport;
import io.backplane.hsm.pkcs11.Pins;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import io.backplane.node.assembly.NodeAssembly;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane keys ...}: the node's keystore (PKCS#11 token, sealed BLS keys, double-sign guard, audit trail).
 * The PIN comes from {@code BACKPLANE_HSM_PIN} or the PIN file ({@code hsm.pinFile}, default {@code <home>/hsm/pin}),
 * never from a flag. Errors are one line and exit 1; a guard refusal exits 3.
 */
@Command(name = "keys", description = "Manage the node's keys: token, identity, BLS keys, double-sign guard, audit trail.",
        subcommands = {KeysCommand.InitToken.class, KeysCommand.ListKeys.class, KeysCommand.GenIdentity.class, KeysCommand.GenBls.class,
                KeysCommand.ImportBls.class, KeysCommand.Export.class, KeysCommand.Sign.class, KeysCommand.GuardExport.class,
                KeysCommand.GuardImport.class, KeysCommand.AuditVerify.class})
public final class KeysCommand implements Callable<Integer> {
    /** Audit entries between identity-key checkpoints. */

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    /** Shared by every subcommand: home, config, keystore opening, output. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HomeOption homeOption;

        @Mixin
        JsonOutput json;

        NodeHome home;
        BackplaneConfig config;

        @Override
        public final Integer call() throws Exception {
            home = homeOption.resolve();
            config = homeOption.loadConfig(home);
            return run();
        }

        abstract Integer run() throws Exception;

        Path hsmDir() {
            return home.hsmDir();
        }

        Path library() {
            return NodeAssembly.hsmLibrary(config);
        }

        Path pinFile() {
            return NodeAssembly.pinFile(home, config);
        }

        Keystore openKeystore() {
            return NodeAssembly.openKeystore(home, config);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Prints {@code doc} as JSON with --json, else as {@code key: value} lines. */
        void print(Map<String, ?> doc) {
            json.print(out(), doc);
        }

        CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }

        byte[] hex(String value, String flag) {
            String v = value.startsWith("0x") ? value.substring(2) : value;
            try {
                return HexFormat.of().parseHex(v);
            } catch (IllegalArgumentException e) {
                throw usage(flag + " must be hex, got '" + (value.length() > 40 ? value.substring(0, 40) + "…" : value) + "'");
            }
        }
    }

    @Command(name = "init-token", description = "Create the project-owned SoftHSM2 token under <home>/hsm (idempotent), with a random PIN in <home>/hsm/pin unless BACKPLANE_HSM_PIN is set, a random SO PIN in <home>/hsm/so-pin-<label> unless BACKPLANE_HSM_SO_PIN is set, and the key-encryption key.")
    static final class InitToken extends Base {
        @Override
        Integer run() {
            if (library() != null) {
                throw new IllegalStateException("hsm.library is set to " + library()
                        + ": init-token only creates the project-owned SoftHSM token; initialise a vendor token with the vendor's tools");
            }
            home.ensureExists();
            String envPin = System.getenv(Pins.ENV);
            String soPin = System.getenv(io.backplane.hsm.pkcs11.SoftHsm.SO_PIN_ENV);
            Keystore.InitResult r = Keystore.initToken(hsmDir(), config.hsm().tokenLabel(),
                    envPin == null || envPin.isEmpty() ? null : envPin.toCharArray(), pinFile(),
                    soPin == null || soPin.isEmpty() ? null : soPin.toCharArray(), Clock.systemUTC());
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("token", config.hsm().tokenLabel());
            doc.put("created", r.tokenCreated());
            doc.put("kekCreated", r.kekCreated());
            doc.put("pinFile", envPin == null || envPin.isEmpty() ? pinFile().toString() : null);
            doc.put("softhsmConf", r.softHsmConfig().toString());
            print(doc);
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List every key: id, type (ec-p256 identity, bls12-381 validator) and public key.")
    static final class ListKeys extends Base {
        @Override
        Integer run() {
            // Read-only: no guard lock, no audit log, nothing written under the home (works on a read-only home).
            Keystore.Listing listing = NodeAssembly.listKeys(home, config);
            List<Keystore.KeyInfo> keys = listing.keys();
            // A damaged key file is named on stderr; the other keys are listed (and keep signing).
            listing.damaged().forEach(d -> spec.commandLine().getErr().println("backplane: warning: " + d));
            if (json.enabled()) {
                JsonOutput.line(out(), Map.of("keys", keys));
            } else {
                keys.forEach(k -> out().printf("%-24s %-10s %s%n", k.id(), k.type(), k.publicKey()));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "gen-identity", description = "Generate the node identity key (EC P-256, non-extractable) in the token and its self-signed certificate.")
    static final class GenIdentity extends Base {
        @Override
        Integer run() throws Exception {
            try (Keystore ks = openKeystore()) {
                var cert = ks.generateIdentity();
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", "identity-" + config.node().id());
                doc.put("subject", cert.getSubjectX500Principal().getName());
                doc.put("certificate", ks.identityPem().toString());
                doc.put("publicKey", HexFormat.of().formatHex(cert.getPublicKey().getEncoded()));
                print(doc);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "gen-bls", description = "Generate a BLS12-381 validator key from the token's RNG, sealed by the token's key-encryption key.")
    static final class GenBls extends Base {
        @Override
        Integer run() {
            try (Keystore ks = openKeystore()) {
                SealedBlsKeys.BlsKeyInfo k = ks.generateBls();
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("id", k.id());
                doc.put("publicKey", k.publicKeyHex());
                print(doc);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "import-bls", description = "Import a BLS key: a clear secret (--secret-file, 32 bytes as hex; the file is not changed) or an export (--sealed, from `keys export`, with its guard history).")
    static final class ImportBls extends Base {
        @Option(names = "--secret-file", paramLabel = "FILE", description = "File with the 32-byte secret key in hex.")
        Path secretFile;

        @Option(names = "--sealed", paramLabel = "FILE", description = "File written by `keys export`.")
        Path sealedFile;

        @Override
        Integer run() throws IOException {
            if ((secretFile == null) == (sealedFile == null)) {
                throw usage("give exactly one of --secret-file or --sealed");
            }
            Map<String, Object> doc = new LinkedHashMap<>();
            if (secretFile != null) {
                byte[] raw = Files.readAllBytes(secretFile);
                String text = new String(raw, StandardCharsets.US_ASCII).strip();
                Arrays.fill(raw, (byte) 0);
                byte[] secret;
                try {
                    secret = HexFormat.of().parseHex(text.startsWith("0x") ? text.substring(2) : text);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("secret file " + secretFile + " must hold the 32-byte key as hex");
                }
                try (Keystore ks = openKeystore()) {
                    SealedBlsKeys.BlsKeyInfo k = ks.importBls(secret);
                    doc.put("id", k.id());
                    doc.put("publicKey", k.publicKeyHex());
                }
            } else {
                try (Keystore ks = openKeystore()) {
                    // Checked first, then its guard history, then stored: never usable here without its protection, and a
                    // refused import changes nothing.
                    Keystore.SealedImport r;
                    try {
                        r = SealedKeyExport.importFrom(ks, Files.readString(sealedFile), "import-bls " + sealedFile.getFileName());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(sealedFile + ": " + e.getMessage(), e);
                    }
                    doc.put("id", r.key().id());
                    doc.put("publicKey", r.key().publicKeyHex());
                    doc.put("watermarksRaised", r.history().watermarksRaised());
                    doc.put("conflicts", r.history().conflicts());
                }
            }
            print(doc);
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", description = "Export a BLS key as its KEK-sealed blob, public key and guard history (for a box of the same operator sharing the KEK).")
    static final class Export extends Base {
        @Option(names = "--key", required = true, paramLabel = "ID")
        String key;

        @Option(names = "--out", required = true, paramLabel = "FILE")
        Path outFile;

        @Override
        Integer run() throws IOException {
            try (Keystore ks = openKeystore()) {
                // Audited only once the file is written: a failed export leaves no entry claiming one.
                SealedKeyExport.export(ks, key, text -> {
                    try {
                        Files.writeString(outFile, text);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("cannot write " + outFile + ": " + e, e);
                    }
                });
                print(Map.of("id", key, "out", outFile.toString()));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "sign", description = "Sign through the double-sign guard; a refusal exits 3.")
    static final class Sign extends Base {
        @Option(names = "--key", required = true, paramLabel = "ID")
        String key;

        @Option(names = "--epoch", required = true)
        long epoch;

        @Option(names = "--round", required = true)
        long round;

        @Option(names = "--kind", required = true, paramLabel = "proposal|vote|timeout")
        String kind;

        @Option(names = "--msg", required = true, paramLabel = "HEX", description = "The exact bytes to sign, in hex.")
        String msg;

        @Override
        Integer run() {
            SigningKind k;
            try {
                k = SigningKind.parse(kind);
            } catch (IllegalArgumentException e) {
                throw usage("--kind: " + e.getMessage());
            }
            if (epoch < 0 || round < 0) {
                throw usage("--epoch and --round must be >= 0");
            }
            byte[] bytes = hex(msg, "--msg");
            try (Keystore ks = openKeystore()) {
                try {
                    Signature s = ks.sign(new SigningRequest(key, epoch, round, k, bytes));
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("signature", s.hex());
                    // The very same bytes again: the stored signature is released again (a crash must not cost the vote).
                    doc.put("repeat", s.repeated());
                    print(doc);
                    return ExitCodes.OK;
                } catch (DoubleSignRefused r) {
                    Watermark w = r.watermark();
                    Map<String, Object> wm = new LinkedHashMap<>();
                    wm.put("keyId", w.keyId());
                    wm.put("kind", w.kind().wireName());
                    wm.put("epoch", w.epoch());
                    wm.put("round", w.round());
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("refused", r.getMessage());
                    doc.put("watermark", wm);
                    print(json.enabled() ? JsonOutput.failed(ExitCodes.REFUSED, r.getMessage(), doc) : doc);
                    return ExitCodes.REFUSED;
                }
            }
        }
    }

    @Command(name = "guard-export", description = "Print (or write) the guard history as JSON: watermarks and recent signed hashes per key. Read-only (never changes the guard log).")
    static final class GuardExport extends Base {
        @Option(names = "--key", paramLabel = "ID", description = "Only this key (default: every key).")
        String key;

        @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path outFile;

        @Override
        Integer run() throws IOException {
            // Read-only: no lock, nothing created or cut (works beside a running node; a damaged log is an error).
            var history = SigningGuard.readHistory(hsmDir().resolve("guard"), key);
            if (key != null && history.isEmpty()) {
                throw CommandFailure.failure("key '" + key + "' has no guard history in " + hsmDir().resolve("guard")
                        + " (no such key, or it never signed; `backplane keys list` shows the keys)");
            }
            String doc = GuardHistoryJson.write(history);
            if (outFile != null) {
                Files.writeString(outFile, doc);
                print(Map.of("out", outFile.toString()));
            } else {
                out().println(json.enabled() ? JsonOutput.MAPPER.readTree(doc).toString() : doc);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "guard-import", description = "Merge a guard history (from guard-export); watermarks are only ever raised. Audited (needs the PIN). The recovery path when signing is refused for missing guard history.")
    static final class GuardImport extends Base {
        @Option(names = "--in", required = true, paramLabel = "FILE")
        Path inFile;

        @Override
        Integer run() throws IOException {
            List<SigningGuard.KeyHistory> h = GuardHistoryJson.read(Files.readString(inFile));
            // Through the keystore, not the bare guard store: a change of watermarks belongs in the audit trail.
            try (Keystore ks = openKeystore()) {
                SigningGuard.ImportResult r = ks.importGuardHistory(h, "guard-import " + inFile.getFileName());
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("watermarksRaised", r.watermarksRaised());
                doc.put("slotsAdded", r.slotsAdded());
                doc.put("conflicts", r.conflicts());
                print(doc);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "audit-verify", description = "Verify the audit trail's hash chain, its identity-key checkpoints (<home>/hsm/identity.pem) and its anchor in the token (needs the PIN; may run beside a running node); two different digests signed for one (key, kind, epoch, round) and bytes after the last entry are problems (exit 1).")
    static final class AuditVerify extends Base {
        @Override
        Integer run() throws Exception {
            Path pem = hsmDir().resolve("identity.pem");
            Path log = hsmDir().resolve("audit").resolve("audit.log");
            if (!Files.exists(pem)) {
                // Name the first missing step of init-token -> gen-identity, not a later one.
                throw new IllegalStateException(Files.isDirectory(hsmDir())
                        ? "no identity certificate at " + pem + " (run `backplane keys gen-identity --home " + home.dir() + "`)"
                        : "no token under " + hsmDir() + " (the first step is `backplane keys init-token --home " + home.dir()
                                + "`, then `keys gen-identity`)");
            }
            PublicKey identity = CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem))).getPublicKey();
            // The anchor before the log: a node appending meanwhile only adds entries after the anchored one.
            Optional<AuditAnchor.Head> anchor;
            char[] pin = Pins.read(System.getenv(), pinFile());
            try (Pkcs11Token token = Pkcs11Token.open(Keystore.resolveLibraryReadOnly(hsmDir(), library()), config.hsm().tokenLabel(), pin, Clock.systemUTC())) {
                anchor = Keystore.auditAnchor(token, config.node().id()).read();
            } finally {
                Arrays.fill(pin, '\0');
            }
            // As the next open will read it: a tail a power cut took from unsynced entries is put back from the guard log's copies.
            AuditVerifier.Result r = AuditVerifier.verify(log, identity, anchor, io.backplane.hsm.guard.SigningGuard.readAuditCopies(hsmDir().resolve("guard")));
            Map<String, Object> doc = r.document();
            print(r.ok() || !json.enabled() ? doc : JsonOutput.failed(ExitCodes.FAILURE, "audit trail damaged: " + String.join("; ", r.problems()), doc));
            return r.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }
}
