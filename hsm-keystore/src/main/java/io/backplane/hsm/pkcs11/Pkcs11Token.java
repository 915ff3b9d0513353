package io.backplane.hsm.pkcs11;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.security.auth.login.FailedLoginException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PKCS#11 token opened through the JDK's SunPKCS11 provider: found by label (SunPKCS11 itself only knows slot
 * numbers, which SoftHSM reassigns), logged in with the user PIN, its mechanisms checked at open. Holds the node
 * identity key (EC P-256, generated in the token, sensitive and non-extractable; signs in the token) with its
 * certificate, and the key-encryption key (AES-256, generated in the token, sensitive and non-extractable) that seals
 * BLS keys with AES-GCM performed by the token.
 *
 * <p>If the token disappears (library error, token removed, session invalid) the call in flight fails with a
 * retryable {@link TokenException} and the next call reopens it, no sooner than a backoff that doubles from 100 ms to
 * 30 s (time from the injected clock). Thread-safe: SunPKCS11 pools sessions; reopening is synchronised.
 */
public final class Pkcs11Token implements AutoCloseable {
    /** Alias (CKA_LABEL) of the key-encryption key. */
    public static final String KEK_ALIAS = "backplane-kek";
    /** Alias prefix of the node identity key and certificate. */
    public static final String IDENTITY_PREFIX = "identity-";

    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Token.class);
    private static final AtomicInteger PROVIDERS = new AtomicInteger();
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** A required mechanism: the JCA service SunPKCS11 registers only when the token offers the PKCS#11 mechanism. */
    record Required(String type, String algorithm, String mechanism) {
    }

    static final List<Required> REQUIRED = List.of(
            new Required("KeyPairGenerator", "EC", "CKM_EC_KEY_PAIR_GEN"),
            new Required("Signature", "SHA256withECDSA", "CKM_ECDSA (with SHA-256)"),
            new Required("KeyGenerator", "AES", "CKM_AES_KEY_GEN"),
            new Required("Cipher", "AES/GCM/NoPadding", "CKM_AES_GCM"),
            new Required("SecureRandom", "PKCS11", "C_GenerateRandom"));

    private final Path library;
    private final String label;
    private final char[] pin;
    private final Clock clock;

    private volatile Provider provider;
    private volatile KeyStore keyStore;
    private volatile long slotId;
    private Instant nextAttempt = Instant.MIN;
    private Duration backoff = MIN_BACKOFF;
    private String lastFailure;

    private Pkcs11Token(Path library, String label, char[] pin, Clock clock) {
        this.library = library;
        this.label = label;
        this.pin = pin.clone();
        this.clock = clock;
    }

    /**
     * Opens the token labelled {@code label} in {@code library} and logs in. Fails with one clear message for a
     * missing library, a missing token, a wrong or locked PIN, or a missing mechanism (named).
     */
    public static Pkcs11Token open(Path library, String label, char[] pin, Clock clock) {
        if (!Files.isRegularFile(library)) {
            throw new TokenException("PKCS#11 library " + library + " does not exist (config key hsm.library)", false, null);
        }
        Pkcs11Token t = new Pkcs11Token(library, label, pin, clock);
        t.connect();
        return t;
    }

    public String label() {
        return label;
    }

    private void connect() {
        Cryptoki ck = Cryptoki.open(library.toString());
        List<Cryptoki.Slot> slots = ck.slots();
        Cryptoki.Slot slot = slots.stream().filter(s -> s.initialized() && s.label().equals(label)).findFirst()
                .orElseThrow(() -> new TokenException("no token labelled '" + label + "' in " + library + " (tokens: "
                        + slots.stream().filter(Cryptoki.Slot::initialized).map(Cryptoki.Slot::label).toList()
                        + "; run `backplane keys init-token`)", true, null));
        refuseLocked(label, slot);
        this.slotId = slot.id();
        String config = "--name = Backplane-" + PROVIDERS.incrementAndGet() + "\n"
                + "library = " + library + "\n"
                + "slot = " + slot.id() + "\n"
                // Keys made here are sensitive and never extractable: they cannot leave the token, even wrapped.
                + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n"
                + "attributes(generate, CKO_SECRET_KEY, *) = {\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n";
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new TokenException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)", false, null);
        }
        Provider p;
        try {
            p = base.configure(config);
        } catch (ProviderException | java.security.InvalidParameterException e) {
            throw new TokenException("SunPKCS11 cannot use token '" + label + "' in " + library + ": " + rootMessage(e), true, e);
        }
        List<String> missing = missingMechanisms(p);
        if (!missing.isEmpty()) {
            throw new TokenException("token '" + label + "' lacks required mechanism(s): " + String.join(", ", missing), false, null);
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS11", p);
            ks.load(null, pin);
            this.keyStore = ks;
            this.provider = p;
            // Installed last in the provider list: JSSE (TLS with the identity key) finds a provider for a token key
            // only among installed providers; being last, it is chosen only for keys no other provider can use.
            Security.addProvider(p);
        } catch (IOException e) {
            throw loginFailure(label, e);
        } catch (GeneralSecurityException e) {
            throw new TokenException("cannot open the key store of token '" + label + "': " + rootMessage(e), true, e);
        }
    }

    /**
     * The error for a failed login, from the PKCS#11 return value SunPKCS11 wraps (found by its {@code CKR_} name in
     * the cause chain: {@code PKCS11Exception} is in a package the JDK does not export): a wrong PIN and a locked PIN
     * are final, anything else may pass on retry.
     */
    static TokenException loginFailure(String label, Throwable e) {
        long ckr = ckrOf(e);
        if (ckr == 0xA0L || hasCause(e, FailedLoginException.class)) {
            return new TokenException("wrong PIN for token '" + label + "' (CKR_PIN_INCORRECT)", false, e);
        }
        if (ckr == 0xA4L) {
            return pinLocked(label, "CKR_PIN_LOCKED", e);
        }
        return new TokenException("cannot log in to token '" + label + "': " + rootMessage(e), true, e);
    }

    /** Refuses a token whose flags say the user PIN is locked: logging in would only fail. */
    static void refuseLocked(String label, Cryptoki.Slot slot) {
        if (slot.userPinLocked()) {
            throw pinLocked(label, "CKF_USER_PIN_LOCKED", null);
        }
    }

    /** A locked user PIN ({@code why}: the return value or token flag that said so); not retryable. */
    static TokenException pinLocked(String label, String why, Throwable cause) {
        return new TokenException("token '" + label + "': user PIN is locked (" + why + "); reset it with the SO PIN", false, cause);
    }

    /** The first {@code CKR_...} code named in {@code e}'s cause chain, or -1. */
    static long ckrOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("CKR_[A-Z_]+").matcher(String.valueOf(t.getMessage()));
            while (m.find()) {
                long code = Pkcs11Errors.code(m.group());
                if (code >= 0) {
                    return code;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return -1;
    }

    /**
     * The values of the private token data objects (CKO_DATA) named {@code name} (their CKA_APPLICATION): one, or none
     * before the first write. Used for state that must not be rolled back with the files of the node home (the audit
     * trail's anchor).
     */
    public List<byte[]> readDataObjects(String label) {
        return call("read token data object '" + label + "'", (p, ks) -> Cryptoki.open(library.toString()).readData(slotId, label, pin));
    }

    /** The names of the private token data objects that begin with {@code prefix} (for example every node's anchor). */
    public List<String> dataObjectNames(String prefix) {
        return call("list token data objects '" + prefix + "*'", (p, ks) -> Cryptoki.open(library.toString()).dataNames(slotId, prefix, pin));
    }

    /** Sets the value of the private token data object named {@code label} (creating it the first time). */
    public void writeDataObject(String label, byte[] value) {
        call("write token data object '" + label + "'", (p, ks) -> {
            Cryptoki.open(library.toString()).writeData(slotId, label, value, pin);
            return null;
        });
    }

    /** The required mechanisms {@code p} lacks, by PKCS#11 name. */
    static List<String> missingMechanisms(Provider p) {
        List<String> missing = new ArrayList<>();
        for (Required r : REQUIRED) {
            if (p.getService(r.type(), r.algorithm()) == null) {
                missing.add(r.mechanism() + " (" + r.type() + " " + r.algorithm() + ")");
            }
        }
        return missing;
    }

    /** One operation on the provider and key store. */
    @FunctionalInterface
    public interface Op<T> {
        T run(Provider p, KeyStore ks) throws GeneralSecurityException, IOException, OperatorCreationException;
    }

    /** Runs {@code op}, reopening a lost token first (after its backoff) and mapping token loss to a retryable error. */
    public <T> T call(String what, Op<T> op) {
        Provider p;
        KeyStore ks;
        synchronized (this) {
            if (provider == null) {
                Instant now = clock.instant();
                if (now.isBefore(nextAttempt)) {
                    throw new TokenException(what + ": token '" + label + "' is unavailable (" + lastFailure + "); next reopen at "
                            + nextAttempt, true, null);
                }
                try {
                    connect();
                    backoff = MIN_BACKOFF;
                    LOG.info("token '{}' reopened", label);
                } catch (TokenException e) {
                    lastFailure = e.getMessage();
                    nextAttempt = now.plus(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    throw new TokenException(what + ": token '" + label + "' could not be reopened: " + e.getMessage(), true, e);
                }
            }
            p = provider;
            ks = keyStore;
        }
        try {
            return op.run(p, ks);
        } catch (GeneralSecurityException | IOException | OperatorCreationException | ProviderException e) {
            String msg = rootMessage(e);
            if (isTokenLoss(msg)) {
                synchronized (this) {
                    if (provider == p) {
                        Security.removeProvider(p.getName());
                        provider = null;
                        keyStore = null;
                        lastFailure = msg;
                        nextAttempt = clock.instant();
                    }
                }
                throw new TokenException(what + ": token '" + label + "' was lost (" + msg + "); retry", true, e);
            }
            throw new TokenException(what + " failed on token '" + label + "': " + msg, false, e);
        }
    }

    static boolean isTokenLoss(String msg) {
        return msg.contains("CKR_TOKEN_NOT_PRESENT") || msg.contains("CKR_DEVICE_REMOVED") || msg.contains("CKR_DEVICE_ERROR")
                || msg.contains("CKR_SESSION_HANDLE_INVALID") || msg.contains("CKR_SESSION_CLOSED")
                || msg.contains("CKR_GENERAL_ERROR") || msg.contains("Token has been removed")
                || msg.contains("CKR_USER_NOT_LOGGED_IN") || msg.contains("CKR_TOKEN_NOT_RECOGNIZED");
    }

    /** Every alias in the token (identity keys, the KEK). */
    public List<String> aliases() {
        return call("list keys", (p, ks) -> Collections.list(ks.aliases()));
    }

    /**
     * Generates the node identity key pair in the token (EC P-256, non-extractable) with a self-signed certificate
     * (CN = node id, SAN = node id and localhost, 10 years) signed in the token; returns the certificate. Refuses to
     * replace an existing identity.
     */
    public X509Certificate generateIdentity(String nodeId) {
        String alias = IDENTITY_PREFIX + nodeId;
        return call("generate identity key", (p, ks) -> {
            if (ks.containsAlias(alias)) {
                throw new TokenException("token '" + label + "' already holds identity key '" + alias + "'", false, null);
            }
            KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC", p);
            kpg.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = kpg.generateKeyPair();
            X509Certificate cert = selfSigned(nodeId, kp, p);
            ks.setKeyEntry(alias, kp.getPrivate(), null, new X509Certificate[] {cert});
            return cert;
        });
    }

    private X509Certificate selfSigned(String nodeId, KeyPair kp, Provider p)
            throws OperatorCreationException, GeneralSecurityException, IOException {
        Instant now = clock.instant();
        X500Name name = new X500Name("CN=" + nodeId + ",O=Backplane");
        byte[] serial = new byte[16];
        SecureRandom.getInstance("PKCS11", p).nextBytes(serial);
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(1, serial), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(3650))), name, kp.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, nodeId), new GeneralName(GeneralName.dNSName, "localhost")}));
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(p).build(kp.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    /**
     * A PKCS#10 certification request for the identity key of {@code nodeId}, signed inside the token, for an
     * operator CA to sign. DER-encoded.
     */
    public byte[] identityCertificationRequest(String nodeId) {
        String alias = IDENTITY_PREFIX + nodeId;
        return call("identity certification request", (p, ks) -> {
            X509Certificate current = (X509Certificate) ks.getCertificate(alias);
            Key k = ks.getKey(alias, null);
            if (current == null || !(k instanceof PrivateKey priv)) {
                throw missingKey("identity key for node '" + nodeId + "'");
            }
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(p).build(priv);
            return new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                    new X500Name(current.getSubjectX500Principal().getName()), current.getPublicKey()).build(signer).getEncoded();
        });
    }

    /**
     * Replaces the identity certificate of {@code nodeId} with {@code chain} (leaf first, for example signed by an
     * operator CA). Refuses a leaf whose public key is not the token's identity key.
     */
    public void installIdentityChain(String nodeId, X509Certificate[] chain) {
        String alias = IDENTITY_PREFIX + nodeId;
        call("install identity certificate", (p, ks) -> {
            X509Certificate current = (X509Certificate) ks.getCertificate(alias);
            Key k = ks.getKey(alias, null);
            if (current == null || !(k instanceof PrivateKey priv)) {
                throw missingKey("identity key for node '" + nodeId + "'");
            }
            if (chain.length == 0 || !Arrays.equals(chain[0].getPublicKey().getEncoded(), current.getPublicKey().getEncoded())) {
                throw new TokenException("the certificate's public key is not node '" + nodeId + "''s identity key", false, null);
            }
            ks.setKeyEntry(alias, priv, null, chain);
            return null;
        });
    }

    /** The identity certificate of {@code nodeId}, if the token holds one. */
    public Optional<X509Certificate> identityCertificate(String nodeId) {
        return call("read identity certificate", (p, ks) -> Optional.ofNullable((X509Certificate) ks.getCertificate(IDENTITY_PREFIX + nodeId)));
    }

    /** Signs {@code data} with the identity key inside the token: DER ECDSA P-256 over SHA-256. */
    public byte[] signWithIdentity(String nodeId, byte[] data) {
        return call("sign with identity key", (p, ks) -> {
            Key k = ks.getKey(IDENTITY_PREFIX + nodeId, null);
            if (!(k instanceof PrivateKey priv)) {
                throw missingKey("identity key for node '" + nodeId + "'");
            }
            java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA", p);
            s.initSign(priv);
            s.update(data);
            return s.sign();
        });
    }

    /**
     * A {@code SunX509} key manager factory over the token's key store, for TLS with the identity key: the handshake
     * signature is made inside the token (the key stays non-extractable). JDK TLS only; OpenSSL-based providers cannot
     * use it. Built on the provider current at the call: after a token loss, build it again.
     */
    public javax.net.ssl.KeyManagerFactory keyManagerFactory() {
        return call("TLS key manager", (p, ks) -> {
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, new char[0]);
            return kmf;
        });
    }

    /** Creates the AES-256 key-encryption key in the token unless it exists; true when created. */
    public boolean ensureKek() {
        return call("generate key-encryption key", (p, ks) -> {
            if (ks.containsAlias(KEK_ALIAS)) {
                return false;
            }
            KeyGenerator kg = KeyGenerator.getInstance("AES", p);
            kg.init(256);
            SecretKey kek = kg.generateKey();
            ks.setEntry(KEK_ALIAS, new KeyStore.SecretKeyEntry(kek), null);
            return true;
        });
    }

    /** AES-256-GCM encryption by the token under the KEK; returns ciphertext with its 16-byte tag. */
    public byte[] seal(byte[] iv, byte[] aad, byte[] clear) {
        return call("seal with the key-encryption key", (p, ks) -> gcm(p, ks, Cipher.ENCRYPT_MODE, iv, aad, clear));
    }

    /** AES-256-GCM decryption by the token under the KEK; a wrong tag, IV or associated data fails. */
    public byte[] unseal(byte[] iv, byte[] aad, byte[] sealed) {
        return call("unseal with the key-encryption key", (p, ks) -> gcm(p, ks, Cipher.DECRYPT_MODE, iv, aad, sealed));
    }

    private byte[] gcm(Provider p, KeyStore ks, int mode, byte[] iv, byte[] aad, byte[] in) throws GeneralSecurityException {
        Key kek = kek(p, ks);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", p);
        try {
            c.init(mode, kek, new GCMParameterSpec(128, iv));
        } catch (GeneralSecurityException | ProviderException e) {
            // The cached handle may be stale (the object or the token went away): look it up again, once.
            kekCache = null;
            c.init(mode, kek(p, ks), new GCMParameterSpec(128, iv));
        }
        c.updateAAD(aad);
        try {
            return c.doFinal(in);
        } catch (GeneralSecurityException | ProviderException e) {
            // SoftHSM answers a wrong tag with CKR_GENERAL_ERROR, which also means "token lost": ask the token something
            // else to tell a rejected blob (the token answers) from a lost token (it does not).
            if (mode == Cipher.DECRYPT_MODE && answers(p)) {
                throw new SealedDataRejected(rootMessage(e), e);
            }
            throw e;
        }
    }

    /**
     * The KEK handle, looked up once per provider instance: {@code KeyStore.getKey} is a C_FindObjects round trip
     * (about half a millisecond with SoftHSM, on every signature otherwise). A reconnect makes a new provider.
     */
    private Key kek(Provider p, KeyStore ks) throws GeneralSecurityException {
        Object[] cached = kekCache;
        if (cached != null && cached[0] == p) {
            return (Key) cached[1];
        }
        Key kek = ks.getKey(KEK_ALIAS, null);
        if (kek == null) {
            throw missingKey("key-encryption key '" + KEK_ALIAS + "' (run `backplane keys init-token`)");
        }
        kekCache = new Object[] {p, kek};
        return kek;
    }

    private volatile Object[] kekCache;

    private static boolean answers(Provider p) {
        try {
            java.security.SecureRandom.getInstance("PKCS11", p).nextBytes(new byte[1]);
            return true;
        } catch (GeneralSecurityException | ProviderException e) {
            return false;
        }
    }

    /** The token answered, but sealed data does not authenticate under the KEK (a damaged or foreign blob). */
    public static final class SealedDataRejected extends RuntimeException {
        SealedDataRejected(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A key we expected is gone. If the token itself is gone (SoftHSM's token directory deleted, a vendor token
     * removed), that is token loss: retryable, and the token is reopened on a later call. Otherwise the key is missing.
     */
    private TokenException missingKey(String what) {
        boolean present;
        try {
            present = Cryptoki.open(library.toString()).slots().stream().anyMatch(s -> s.initialized() && s.label().equals(label));
        } catch (TokenException e) {
            present = false;
        }
        if (!present) {
            synchronized (this) {
                if (provider != null) {
                    Security.removeProvider(provider.getName());
                }
                provider = null;
                keyStore = null;
                lastFailure = "token no longer present";
                nextAttempt = clock.instant();
            }
            return new TokenException("token '" + label + "' is no longer present in " + library + "; retry (it is reopened when it returns)", true, null);
        }
        return new TokenException("token '" + label + "' holds no " + what, false, null);
    }

    /** {@code n} bytes from the token's random generator (C_GenerateRandom). */
    public byte[] random(int n) {
        return call("generate random bytes", (p, ks) -> {
            byte[] b = new byte[n];
            SecureRandom.getInstance("PKCS11", p).nextBytes(b);
            return b;
        });
    }

    /** The provider currently in use (for benchmarks and TLS key managers); null while the token is lost. */
    public Provider provider() {
        return provider;
    }

    @Override
    public synchronized void close() {
        Arrays.fill(pin, '\0');
        Provider p = provider;
        provider = null;
        keyStore = null;
        if (p != null) {
            Security.removeProvider(p.getName());
        }
        if (p instanceof java.security.AuthProvider ap) {
            try {
                ap.logout();
            } catch (Exception e) {
                LOG.debug("logout of token '{}' failed", label, e);
            }
        }
    }

    static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                if (!sb.isEmpty()) {
                    sb.append(": ");
                }
                sb.append(c.getMessage());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.isEmpty() ? t.getClass().getSimpleName() : sb.toString();
    }

    static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
