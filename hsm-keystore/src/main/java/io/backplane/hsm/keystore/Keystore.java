package io.backplane.hsm.keystore;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.GuardedSigner;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.bls.SealedBlsKeys;
import io.backplane.hsm.guard.GuardedSigning;
import io.backplane.hsm.guard.RawSigner;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.guard.SigningListener;
import io.backplane.hsm.pkcs11.Pins;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import io.backplane.hsm.pkcs11.SoftHsm;
import io.backplane.hsm.pkcs11.TokenException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node's keystore: the token (identity key, KEK), the sealed BLS keys, the double-sign guard and the audit trail,
 * all under one directory ({@code <home>/hsm}: {@code bls/}, {@code guard/}, {@code audit/}, {@code identity.pem}).
 * It is the {@link GuardedSigner} the node uses. Key ids: {@code bls-<16 hex>} for BLS keys, {@code identity-<node>}
 * for the identity key (its signatures are DER ECDSA).
 */
public final class Keystore implements GuardedSigner, AutoCloseable {
    /**
     * How to open it. {@code library} null means the project-owned SoftHSM2 under {@code dir}.
     *
     * @param checkpointEvery audit entries between identity-key checkpoints
     */
    public record Options(Path dir, Path library, String tokenLabel, String nodeId, Clock clock, int checkpointEvery) {
    }

    /** A key as listed. {@code type} is {@code bls12-381} or {@code ec-p256}. */
    public record KeyInfo(String id, String type, String publicKey) {
    }

    private final Options options;
    private final Pkcs11Token token;
    private final SealedBlsKeys bls;
    private final SigningGuard guard;
    private final AuditLog audit;
    private final GuardedSigning signing;

    private Keystore(Options options, Pkcs11Token token) {
        this.options = options;
        this.token = token;
        String identityId = Pkcs11Token.IDENTITY_PREFIX + options.nodeId();
        // One token object anchors both the guard and the audit log (one token write per signature).
        TokenAnchor anchor = new TokenAnchor(token, auditAnchorLabel(options.nodeId()));
        // The guard's lock first: it makes this process the only writer of the guard store and of the audit log.
        this.guard = SigningGuard.open(options.dir().resolve("guard"), anchor.guardView());
        try {
            anchor.guardState(guard::watermarks);
            // Checkpoints are signed once an identity key exists (it may be generated after the log is opened).
            this.audit = new AuditLog(options.dir().resolve("audit").resolve("audit.log"), options.clock(), options.checkpointEvery(),
                    identityId, head -> token.identityCertificate(options.nodeId()).isPresent() ? token.signWithIdentity(options.nodeId(), head) : null,
                    anchor, guard.auditCopies());
            // The audit trail's signatures are evidence too: a guard below them lost history (the trail is fsynced
            // after the guard record, so a crash never leaves the trail ahead of the guard).
            guard.require(audit.signedWatermarks(), "the signing audit trail " + audit.file());
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
        this.bls = new SealedBlsKeys(options.dir().resolve("bls"), token, audit);
        try {
            // The anchor is named after the node id, so a home whose logs are gone and whose node.id was changed would
            // read an empty one and look new: the other nodes' anchors on this token count for the keys this home holds.
            for (String other : token.dataObjectNames(ANCHOR_PREFIX)) {
                if (!other.equals(auditAnchorLabel(options.nodeId()))) {
                    List<io.backplane.hsm.Watermark> theirs = new TokenAnchor(token, other).guardView().read().orElse(List.of());
                    guard.require(theirs.stream().filter(w -> bls.contains(w.keyId())).toList(), "the guard anchor '" + other + "' in the token");
                }
            }
        } catch (RuntimeException e) {
            guard.close();
            throw e;
        }
        this.signing = new GuardedSigning(guard, new Raw(), new Audited(audit));
    }

    private static final String ANCHOR_PREFIX = "backplane-audit-anchor-";

    /** The name (CKA_APPLICATION) of the token data object holding the audit log's anchor for {@code nodeId}. */
    public static String auditAnchorLabel(String nodeId) {
        return ANCHOR_PREFIX + nodeId;
    }

    /**
     * The audit anchor kept in {@code token}: a private CKO_DATA object (read and written only after login with the
     * user PIN), so a person who can edit files under the node home cannot roll it back together with the log.
     */
    public static AuditAnchor auditAnchor(Pkcs11Token token, String nodeId) {
        return new TokenAnchor(token, auditAnchorLabel(nodeId));
    }

    /** The guard's watermarks anchored in {@code token} for {@code nodeId}; empty when none were ever anchored. */
    public static Optional<List<io.backplane.hsm.Watermark>> guardAnchor(Pkcs11Token token, String nodeId) {
        return new TokenAnchor(token, auditAnchorLabel(nodeId)).guardView().read();
    }

    /**
     * Merges a guard history (watermarks only ever raised) and audits it, with the counts and the SHA-256 of the
     * canonical history, before returning.
     */
    public SigningGuard.ImportResult importGuardHistory(List<SigningGuard.KeyHistory> history, String source) {
        SigningGuard.ImportResult r = guard.importHistory(history);
        Map<String, String> d = new LinkedHashMap<>();
        d.put("source", source);
        d.put("keys", String.join(",", history.stream().map(SigningGuard.KeyHistory::keyId).toList()));
        d.put("historySha256", sha256Hex(io.backplane.hsm.guard.GuardHistoryJson.write(history).getBytes(StandardCharsets.UTF_8)));
        d.put("watermarksRaised", Integer.toString(r.watermarksRaised()));
        d.put("slotsAdded", Integer.toString(r.slotsAdded()));
        d.put("conflicts", Integer.toString(r.conflicts().size()));
        audit.append("guard-import", "guard", d);
        guard.commitAnchor();
        return r;
    }

    /** The PKCS#11 library to use: the configured one, else the installed SoftHSM2 (activated under {@code dir}). */
    public static Path resolveLibrary(Path dir, Path configured) {
        if (configured != null) {
            checkLibrary(configured);
            return configured;
        }
        new SoftHsm(dir).activate();
        return SoftHsm.findLibrary().orElseThrow(() -> new TokenException(
                "SoftHSM2 is not installed (no libsofthsm2.so in " + SoftHsm.LIBRARY_PATHS + "); run scripts/install-deps or set hsm.library", false, null));
    }

    /**
     * As {@link #resolveLibrary}, for commands that only read a home: the SoftHSM setup under {@code dir} must exist
     * and nothing is written ({@link SoftHsm#activateExisting}).
     */
    public static Path resolveLibraryReadOnly(Path dir, Path configured) {
        if (configured != null) {
            checkLibrary(configured);
            return configured;
        }
        new SoftHsm(dir).activateExisting();
        return SoftHsm.findLibrary().orElseThrow(() -> new TokenException(
                "SoftHSM2 is not installed (no libsofthsm2.so in " + SoftHsm.LIBRARY_PATHS + "); run scripts/install-deps or set hsm.library", false, null));
    }

    /** What {@link #listKeys} found: the readable keys, and each damaged key file with the reason. */
    public record Listing(List<KeyInfo> keys, List<String> damaged) {
    }

    /**
     * Lists the keys without opening the keystore for writing: no guard lock, no audit log, nothing created or written
     * under {@code dir} (works on a read-only home and beside a running node). Same rows as {@link #list}.
     */
    public static Listing listKeys(Options options, char[] pin) {
        Path lib = resolveLibraryReadOnly(options.dir(), options.library());
        try (Pkcs11Token token = Pkcs11Token.open(lib, options.tokenLabel(), pin, options.clock())) {
            List<KeyInfo> out = new ArrayList<>();
            token.identityCertificate(options.nodeId()).ifPresent(c -> out.add(new KeyInfo(Pkcs11Token.IDENTITY_PREFIX + options.nodeId(), "ec-p256",
                    HexFormat.of().formatHex(c.getPublicKey().getEncoded()))));
            SealedBlsKeys bls = new SealedBlsKeys(options.dir().resolve("bls"), token, null); // no audit: nothing is appended
            for (SealedBlsKeys.BlsKeyInfo k : bls.list()) {
                out.add(new KeyInfo(k.id(), "bls12-381", k.publicKeyHex()));
            }
            return new Listing(out, bls.damaged());
        }
    }

    /** One line naming the config key and the file when {@code hsm.library} is not a shared library at all. */
    static void checkLibrary(Path lib) {
        String why = null;
        if (!Files.isRegularFile(lib)) {
            why = Files.exists(lib) ? "not a regular file" : "no such file";
        } else if (!Files.isReadable(lib)) {
            why = "not readable";
        } else {
            try (java.io.InputStream in = Files.newInputStream(lib)) {
                byte[] head = in.readNBytes(4);
                if (!Arrays.equals(head, new byte[] {0x7f, 'E', 'L', 'F'})) {
                    why = "not an ELF shared library";
                }
            } catch (IOException e) {
                why = "cannot be read: " + e.getMessage();
            }
        }
        if (why != null) {
            throw new TokenException("config key hsm.library: " + lib + " is not a PKCS#11 library (" + why + ")", false, null);
        }
    }

    /** Opens the token (by label, with {@code pin}) and everything under {@code dir}. */
    public static Keystore open(Options options, char[] pin) {
        Path lib = resolveLibrary(options.dir(), options.library());
        Pkcs11Token token = Pkcs11Token.open(lib, options.tokenLabel(), pin, options.clock());
        try {
            return new Keystore(options, token);
        } catch (RuntimeException e) {
            token.close();
            throw e;
        }
    }

    /** What {@link #initToken} did. */
    public record InitResult(boolean tokenCreated, boolean kekCreated, boolean pinFileWritten, Path softHsmConfig) {
    }

    /**
     * Creates the project-owned SoftHSM token (when none exists with that label) with a random user PIN written to
     * {@code pinFile} (0600) unless {@code envPin} is given, then the KEK. Idempotent. Only for the SoftHSM setup:
     * a vendor token is initialised with the vendor's tools.
     */
    public static InitResult initToken(Path dir, String label, char[] envPin, Path pinFile, Clock clock) {
        return initToken(dir, label, envPin, pinFile, null, clock);
    }

    /** As above; {@code soPin} (from {@code BACKPLANE_HSM_SO_PIN}) replaces the random SO PIN file of a new token. */
    public static InitResult initToken(Path dir, String label, char[] envPin, Path pinFile, char[] soPin, Clock clock) {
        SoftHsm soft = new SoftHsm(dir).activate();
        Path lib = SoftHsm.findLibrary().orElseThrow(() -> new TokenException(
                "SoftHSM2 is not installed (no libsofthsm2.so in " + SoftHsm.LIBRARY_PATHS + "); run scripts/install-deps", false, null));
        boolean wrotePin = false;
        char[] pin;
        if (envPin != null) {
            pin = envPin.clone();
        } else if (Files.exists(pinFile)) {
            pin = Pins.read(Map.of(), pinFile);
        } else {
            pin = Pins.random();
            Pins.writeSecretFile(pinFile, pin);
            wrotePin = true;
        }
        try {
            boolean created;
            try {
                created = soft.ensureToken(lib, label, pin, soPin);
            } catch (RuntimeException e) {
                // Nothing left behind: the PIN file this call wrote goes with the half-made token (ensureToken removed it).
                if (wrotePin) {
                    try {
                        Files.deleteIfExists(pinFile);
                    } catch (IOException again) {
                        e.addSuppressed(again);
                    }
                }
                throw e;
            }
            try (Pkcs11Token t = Pkcs11Token.open(lib, label, pin, clock)) {
                boolean kek = t.ensureKek();
                return new InitResult(created, kek, wrotePin, soft.configFile());
            }
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    /** Generates the node identity key and self-signed certificate in the token; writes {@code identity.pem}. */
    public X509Certificate generateIdentity() {
        X509Certificate cert = token.generateIdentity(options.nodeId());
        writePem(cert);
        audit.append("identity-generate", Pkcs11Token.IDENTITY_PREFIX + options.nodeId(),
                Map.of("certificateSha256", sha256Hex(encoded(cert))));
        return cert;
    }

    /** The key id of this node's identity key: {@code identity-<node id>}. */
    public String identityKeyId() {
        return Pkcs11Token.IDENTITY_PREFIX + options.nodeId();
    }

    /** A PKCS#10 request (DER) for the identity key, signed in the token, for an operator CA. */
    public byte[] identityCertificationRequest() {
        return token.identityCertificationRequest(options.nodeId());
    }

    /** Installs an operator-CA-issued chain (leaf first) for the identity key and rewrites {@code identity.pem}. */
    public void installIdentityChain(X509Certificate[] chain) {
        token.installIdentityChain(options.nodeId(), chain);
        writePem(chain[0]);
        audit.append("identity-certificate", Pkcs11Token.IDENTITY_PREFIX + options.nodeId(),
                Map.of("certificateSha256", sha256Hex(encoded(chain[0])), "issuer", chain[0].getIssuerX500Principal().getName()));
    }

    public Optional<X509Certificate> identityCertificate() {
        return token.identityCertificate(options.nodeId());
    }

    /** Key managers for JDK TLS (transport and admin) backed by the identity key in the token. */
    public javax.net.ssl.KeyManagerFactory tlsKeyManagerFactory() {
        return token.keyManagerFactory();
    }

    public Path identityPem() {
        return options.dir().resolve("identity.pem");
    }

    public SealedBlsKeys.BlsKeyInfo generateBls() {
        return bls.generate();
    }

    public SealedBlsKeys.BlsKeyInfo importBls(byte[] secret) {
        return bls.importSecret(secret);
    }

    public SealedBlsKeys.BlsKeyInfo importSealedBls(byte[] blob) {
        return bls.importSealed(blob);
    }

    /** The key a sealed blob holds, checked as an import would check it (unseals here, not already here); stores nothing. */
    public SealedBlsKeys.BlsKeyInfo checkSealedBls(byte[] blob) {
        return bls.checkSealed(blob);
    }

    /** What {@link #importSealedBls(byte[], List, String)} did. */
    public record SealedImport(SealedBlsKeys.BlsKeyInfo key, SigningGuard.ImportResult history) {
    }

    /**
     * Imports an export: the blob is checked first (it unseals here, names a new key); only then is its guard history
     * merged (audited), and only then is the key stored, so the key is never usable here without its protection and a
     * refused import changes nothing.
     */
    public SealedImport importSealedBls(byte[] blob, List<SigningGuard.KeyHistory> history, String source) {
        bls.checkSealed(blob);
        SigningGuard.ImportResult r = importGuardHistory(history, source);
        return new SealedImport(bls.importSealed(blob), r);
    }

    /** The sealed blob of {@code id}, handed to {@code writeOut}; audited only once {@code writeOut} returned. */
    public byte[] exportSealedBls(String id, java.util.function.Consumer<byte[]> writeOut) {
        return bls.exportSealed(id, writeOut);
    }

    /** The BLS key files that cannot be read, each with the reason. */
    public List<String> damagedKeys() {
        return bls.damaged();
    }

    /** Every key: the identity key (if any) and the BLS keys. */
    public List<KeyInfo> list() {
        List<KeyInfo> out = new ArrayList<>();
        identityCertificate().ifPresent(c -> out.add(new KeyInfo(Pkcs11Token.IDENTITY_PREFIX + options.nodeId(), "ec-p256",
                HexFormat.of().formatHex(c.getPublicKey().getEncoded()))));
        for (SealedBlsKeys.BlsKeyInfo k : bls.list()) {
            out.add(new KeyInfo(k.id(), "bls12-381", k.publicKeyHex()));
        }
        return out;
    }

    @Override
    public Signature sign(SigningRequest request) {
        return signing.sign(request);
    }

    @Override
    public byte[] publicKey(String keyId) {
        return signing.publicKey(keyId);
    }

    /**
     * The proof of possession of BLS key {@code keyId} (IETF BLS draft PopProve, {@link io.backplane.hsm.bls.Bls#POP_DST}):
     * the key signs only its own public key, so this bypasses the double-sign guard and writes no audit entry.
     */
    public byte[] proofOfPossession(String keyId) {
        return bls.provePossession(keyId);
    }

    public SigningGuard guard() {
        return guard;
    }

    public AuditLog audit() {
        return audit;
    }

    public Pkcs11Token token() {
        return token;
    }

    @Override
    public void close() {
        try {
            audit.close();
        } finally {
            guard.close();
            token.close();
        }
    }

    /** Routes identity ids to the token's ECDSA and BLS ids to the sealed keys. */
    private final class Raw implements RawSigner {
        @Override
        public byte[] sign(String keyId, byte[] message) {
            if (keyId.equals(Pkcs11Token.IDENTITY_PREFIX + options.nodeId())) {
                return token.signWithIdentity(options.nodeId(), message);
            }
            return bls.sign(keyId, message);
        }

        @Override
        public byte[] publicKey(String keyId) {
            if (keyId.equals(Pkcs11Token.IDENTITY_PREFIX + options.nodeId())) {
                return identityCertificate().orElseThrow(() -> new SigningException("no identity key for node " + options.nodeId(), false))
                        .getPublicKey().getEncoded();
            }
            return bls.publicKey(keyId);
        }
    }

    /** Audits every guard outcome before the signature is released (an audit failure withholds it). */
    private record Audited(AuditLog audit) implements SigningListener {
        @Override
        public void signed(SigningRequest r, byte[] sha256, byte[] signature, boolean repeated) {
            audit.append(repeated ? "sign-repeat" : "sign", r.keyId(), signDetail(r, sha256, signature, repeated));
        }

        /** A fresh signature: its {@code sign} entry rides in the guard record (one fsync for both). */
        @Override
        public void recordSigned(SigningRequest r, byte[] sha256, byte[] signature, GuardRecord record) {
            audit.appendDurably("sign", r.keyId(), signDetail(r, sha256, signature, false), record::record);
        }

        private static Map<String, String> signDetail(SigningRequest r, byte[] sha256, byte[] signature, boolean repeated) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("kind", r.kind().wireName());
            d.put("epoch", Long.toString(r.epoch()));
            d.put("round", Long.toString(r.round()));
            d.put("sha256", HexFormat.of().formatHex(sha256));
            d.put("signatureSha256", sha256Hex(signature));
            d.put("unsealed", Boolean.toString(!repeated && r.keyId().startsWith("bls-")));
            return d;
        }

        @Override
        public void refused(SigningRequest r, byte[] sha256, DoubleSignRefused refusal) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("kind", r.kind().wireName());
            d.put("epoch", Long.toString(r.epoch()));
            d.put("round", Long.toString(r.round()));
            d.put("sha256", HexFormat.of().formatHex(sha256));
            d.put("reason", refusal.getMessage());
            audit.append("sign-refused", r.keyId(), d);
        }

        @Override
        public void failed(SigningRequest r, byte[] sha256, RuntimeException failure) {
            Map<String, String> d = new LinkedHashMap<>();
            d.put("kind", r.kind().wireName());
            d.put("epoch", Long.toString(r.epoch()));
            d.put("round", Long.toString(r.round()));
            d.put("sha256", HexFormat.of().formatHex(sha256));
            d.put("reason", String.valueOf(failure.getMessage()));
            audit.append("sign-failed", r.keyId(), d);
        }
    }

    private void writePem(X509Certificate cert) {
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(encoded(cert))
                + "\n-----END CERTIFICATE-----\n";
        try {
            Files.writeString(identityPem(), pem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + identityPem(), e);
        }
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
