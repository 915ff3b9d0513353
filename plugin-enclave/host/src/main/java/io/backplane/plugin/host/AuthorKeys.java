package io.backplane.plugin.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The plugin authors this node trusts: {@code <dir>/<keyId>.pub}, each the base64 of an Ed25519 public key in X.509
 * form. Adding a file is the operator's decision to trust an author.
 */
public final class AuthorKeys {
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private final Path dir;

    public AuthorKeys(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The key of {@code keyId}, or empty when this node does not trust that author. */
    public Optional<PublicKey> find(String keyId) {
        if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
            return Optional.empty();
        }
        Path f = dir.resolve(keyId + ".pub");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(Files.readString(f, StandardCharsets.US_ASCII).trim());
            return Optional.of(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read author key " + f, e);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("author key " + f + " is not a base64 X.509 Ed25519 public key", e);
        }
    }

    /** Trusts {@code key} under {@code keyId} (writes the file). */
    public void trust(String keyId, PublicKey key) {
        if (!KEY_ID.matcher(keyId).matches()) {
            throw new IllegalArgumentException("author key id '" + keyId + "' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(keyId + ".pub"), Base64.getEncoder().encodeToString(key.getEncoded()) + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write author key into " + dir, e);
        }
    }
}
