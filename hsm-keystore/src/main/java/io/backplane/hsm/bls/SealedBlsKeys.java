package io.backplane.hsm.bls;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.audit.AuditSink;
import io.backplane.hsm.guard.RawSigner;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * BLS12-381 validator keys sealed by the token's key-encryption key. Standard PKCS#11 has no BLS12-381 mechanism
 * (only vendor extensions), so a BLS key is hardware-<em>sealed</em>, not hardware-<em>resident</em>: its 32 secret
 * bytes are encrypted with AES-256-GCM performed by the token (associated data = key id + public key) and stored as a
 * blob file; for each approved signature the token unseals it, blst signs, and the clear bytes are zeroed.
 *
 * <p>Blob file {@code <dir>/<id>.sealed}: canonical encoding of format tag, key id, 48-byte public key, 12-byte IV
 * from the token's RNG, ciphertext+tag. Written to a temp file, fsynced, renamed. Thread-safe.
 */
public final class SealedBlsKeys implements RawSigner {
    static final String FORMAT = "backplane-sealed-bls/1";

    /** A key as listed: id and public key. */
    public record BlsKeyInfo(String id, byte[] publicKey) {
        public String publicKeyHex() {
            return HexFormat.of().formatHex(publicKey);
        }
    }

    record Blob(String id, byte[] publicKey, byte[] iv, byte[] sealed) {
        byte[] encode() {
            return new CanonicalWriter(256).string(FORMAT).string(id).fixed(publicKey, Bls.PUBLIC_KEY_BYTES).fixed(iv, 12).bytes(sealed).toByteArray();
        }

        static Blob decode(byte[] bytes) {
            return CanonicalReader.decode(bytes, r -> {
                String f = r.string(64);
                if (!FORMAT.equals(f)) {
                    throw new IllegalArgumentException("not a sealed BLS key (format '" + f + "')");
                }
                return new Blob(r.string(128), r.fixed(Bls.PUBLIC_KEY_BYTES), r.fixed(12), r.bytes(256));
            });
        }

        byte[] aad() {
            return new CanonicalWriter(128).string(id).fixed(publicKey, Bls.PUBLIC_KEY_BYTES).toByteArray();
        }
    }

    private final Path dir;
    private final Pkcs11Token token;
    private final AuditSink audit;
    private final Map<String, Blob> cache = new ConcurrentHashMap<>();

    public SealedBlsKeys(Path dir, Pkcs11Token token, AuditSink audit) {
        this.dir = dir;
        this.token = token;
        this.audit = audit;
    }

    /** The id of a key: {@code bls-} and the first 8 bytes of SHA-256(public key), in hex. */
    public static String idOf(byte[] publicKey) {
        try {
            return "bls-" + HexFormat.of().formatHex(Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(publicKey), 8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Generates a key from 32 bytes of the token's random generator and seals it. */
    public BlsKeyInfo generate() {
        byte[] ikm = token.random(32);
        byte[] secret = Bls.keyGen(ikm);
        Arrays.fill(ikm, (byte) 0);
        try {
            BlsKeyInfo info = sealAndStore(secret);
            audit.append("bls-generate", info.id(), Map.of("publicKey", info.publicKeyHex()));
            return info;
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Imports a clear 32-byte secret key (big-endian scalar), seals it, and zeroes the caller's copy. */
    public BlsKeyInfo importSecret(byte[] secret) {
        try {
            Bls.checkSecret(secret);
            BlsKeyInfo info = sealAndStore(secret);
            audit.append("bls-import", info.id(), Map.of("publicKey", info.publicKeyHex(), "from", "secret"));
            return info;
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private BlsKeyInfo sealAndStore(byte[] secret) {
        byte[] pk = Bls.publicKey(secret);
        String id = idOf(pk);
        if (Files.exists(file(id))) {
            throw new SigningException("BLS key " + id + " already exists", false);
        }
        byte[] iv = token.random(12);
        Blob tmp = new Blob(id, pk, iv, new byte[0]);
        Blob blob = new Blob(id, pk, iv, token.seal(iv, tmp.aad(), secret));
        write(blob);
        return new BlsKeyInfo(id, pk);
    }

    /**
     * The sealed blob of {@code id} for moving it to another box of the same operator (same KEK), handed to
     * {@code writeOut}; audited ({@code bls-export}) only once {@code writeOut} returned, so a failed write leaves no
     * entry claiming an export.
     */
    public byte[] exportSealed(String id, java.util.function.Consumer<byte[]> writeOut) {
        Blob b = load(id);
        byte[] encoded = b.encode();
        writeOut.accept(encoded.clone());
        audit.append("bls-export", id, Map.of("publicKey", HexFormat.of().formatHex(b.publicKey())));
        return encoded;
    }

    /**
     * Checks a sealed blob without storing anything: it must decode, unseal under this token's KEK (same token, or
     * tokens sharing the KEK through the vendor's own cloning) to a secret whose public key is the one it names, and
     * name a key not already here.
     */
    public BlsKeyInfo checkSealed(byte[] encoded) {
        Blob b = checked(encoded);
        return new BlsKeyInfo(b.id(), b.publicKey());
    }

    private Blob checked(byte[] encoded) {
        Blob b;
        try {
            b = Blob.decode(encoded);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a sealed BLS key blob: " + e.getMessage());
        }
        if (!isValidId(b.id())) {
            throw new IllegalArgumentException("sealed BLS key blob names an invalid key id '" + b.id() + "'");
        }
        byte[] secret;
        try {
            secret = token.unseal(b.iv(), b.aad(), b.sealed());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("sealed BLS key " + b.id() + " does not unseal under this token's key-encryption key", e);
        }
        try {
            if (!Arrays.equals(Bls.publicKey(secret), b.publicKey()) || !idOf(b.publicKey()).equals(b.id())) {
                throw new IllegalArgumentException("sealed BLS key " + b.id() + " does not match the public key it names");
            }
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        if (Files.exists(file(b.id()))) {
            throw new SigningException("BLS key " + b.id() + " already exists", false);
        }
        return b;
    }

    /** Imports a sealed blob after {@link #checkSealed}'s checks; otherwise nothing is stored. */
    public BlsKeyInfo importSealed(byte[] encoded) {
        Blob b = checked(encoded);
        write(b);
        audit.append("bls-import", b.id(), Map.of("publicKey", HexFormat.of().formatHex(b.publicKey()), "from", "sealed"));
        return new BlsKeyInfo(b.id(), b.publicKey());
    }

    /** Every readable key; a damaged key file is left out with a WARN naming it (see {@link #damaged()}). */
    public List<BlsKeyInfo> list() {
        List<BlsKeyInfo> out = new ArrayList<>();
        for (String id : ids()) {
            try {
                out.add(new BlsKeyInfo(id, load(id).publicKey()));
            } catch (SigningException e) {
                org.slf4j.LoggerFactory.getLogger(SealedBlsKeys.class).warn("{}", e.getMessage());
            }
        }
        return out;
    }

    /** The key files that cannot be read, each with the reason (the other keys keep working). */
    public List<String> damaged() {
        List<String> out = new ArrayList<>();
        for (String id : ids()) {
            try {
                load(id);
            } catch (SigningException e) {
                out.add(e.getMessage());
            }
        }
        return out;
    }

    private List<String> ids() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sealed"))
                    .map(n -> n.substring(0, n.length() - ".sealed".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public boolean contains(String id) {
        return cache.containsKey(id) || (isValidId(id) && Files.exists(file(id)));
    }

    /** Unseals in the token, signs with blst, zeroes the clear key. Called by the guarded signer after approval. */
    @Override
    public byte[] sign(String keyId, byte[] message) {
        return withSecret(keyId, secret -> Bls.sign(secret, message));
    }

    /**
     * {@code PopProve}: the proof of possession of key {@code keyId}, a signature over its own compressed public key
     * under {@link Bls#POP_DST}. It signs nothing a caller chooses, so it needs no guard (a different DST from votes).
     */
    public byte[] provePossession(String keyId) {
        return withSecret(keyId, Bls::provePossession);
    }

    private byte[] withSecret(String keyId, java.util.function.Function<byte[], byte[]> use) {
        Blob b = load(keyId);
        byte[] secret;
        try {
            secret = token.unseal(b.iv(), b.aad(), b.sealed());
        } catch (Pkcs11Token.SealedDataRejected e) {
            throw new SigningException("sealed key file " + file(keyId) + " is damaged: the token answers but the sealed key does not "
                    + "authenticate under its key-encryption key (" + e.getMessage() + "); restore the file from a backup or a `keys export` "
                    + "(other keys are not affected)", false, e);
        }
        try {
            return use.apply(secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    @Override
    public byte[] publicKey(String keyId) {
        return load(keyId).publicKey().clone();
    }

    private Blob load(String id) {
        if (!isValidId(id)) {
            throw new SigningException("unknown key '" + id + "'", false);
        }
        return cache.computeIfAbsent(id, k -> {
            Path f = file(k);
            if (!Files.exists(f)) {
                throw new SigningException("unknown key '" + k + "' (no " + f + ")", false);
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new SigningException("cannot read sealed key file " + f + ": " + e.getMessage(), true, e);
            }
            Blob b;
            try {
                b = Blob.decode(bytes);
            } catch (RuntimeException e) {
                throw new SigningException("sealed key file " + f + " is damaged (" + bytes.length + " bytes: " + e.getMessage()
                        + "); restore it from a backup or a `keys export` (other keys are not affected)", false, e);
            }
            if (!b.id().equals(k)) {
                throw new SigningException("sealed key file " + f + " names key " + b.id(), false);
            }
            return b;
        });
    }

    private static boolean isValidId(String id) {
        return id.matches("bls-[0-9a-f]{16}");
    }

    private Path file(String id) {
        return dir.resolve(id + ".sealed");
    }

    private void write(Blob b) {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tmp = dir.resolve(b.id() + ".tmp");
            Files.write(tmp, b.encode());
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file(b.id()), StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            cache.put(b.id(), b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store sealed key " + b.id() + " in " + dir, e);
        }
    }
}
