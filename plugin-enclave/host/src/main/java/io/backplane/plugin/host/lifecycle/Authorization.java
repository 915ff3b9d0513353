package io.backplane.plugin.host.lifecycle;

import io.backplane.codec.CanonicalWriter;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.HexFormat;

/**
 * An operator's signed consent to one lifecycle step: the identity it claims (a key id the node trusts as an
 * operator, {@code plugins/operators/<identity>.pub}) and its Ed25519 signature over {@link #statement}: the action,
 * plugin id, version and jar SHA-256 in the canonical encoding. The store accepts the step only when the signature
 * verifies under that identity's registered key, so naming someone else ({@code --as bob}) is not enough.
 */
public record Authorization(String identity, byte[] signature) {
    public Authorization {
        signature = signature == null ? new byte[0] : signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** The bytes an operator signs to authorise {@code action} on one plugin version. */
    public static byte[] statement(String action, String pluginId, String version, String jarSha256) {
        return new CanonicalWriter(128).string("backplane-plugin-lifecycle-v1").string(action).string(pluginId).string(version)
                .string(jarSha256).toByteArray();
    }

    /** An operator's Ed25519 private key from its PKCS#8 file ({@code ID.key} from {@code plugins keygen}); anything else is named. */
    public static PrivateKey readKey(java.nio.file.Path file) {
        byte[] der;
        try {
            der = java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read the operator key " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
        try {
            return java.security.KeyFactory.getInstance("Ed25519").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + " is not an Ed25519 private key (ID.key from plugins keygen): " + e.getMessage());
        }
    }

    /** Signs {@code action} on a plugin version as {@code identity} with its Ed25519 private key. */
    public static Authorization sign(String identity, PrivateKey key, String action, String pluginId, String version, String jarSha256) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(statement(action, pluginId, version, jarSha256));
            return new Authorization(identity, s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with the key of " + identity + " (an Ed25519 key from plugins keygen?): " + e.getMessage(), e);
        }
    }

    /** Whether the signature verifies under {@code key} for this step. */
    public boolean verifies(PublicKey key, String action, String pluginId, String version, String jarSha256) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(statement(action, pluginId, version, jarSha256));
            return s.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A short stable id of a key: hex of the first 8 bytes of SHA-256 over its X.509 encoding. */
    public static String keyIdOf(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
