package io.backplane.plugin.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.backplane.codec.CanonicalWriter;
import io.backplane.plugin.api.PluginManifest;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Reads and writes manifests as JSON (unknown fields, missing fields and wrong types refused with the field named)
 * and signs/verifies them: the author's Ed25519 signature covers the canonical encoding of every field but the
 * signature, in schema order.
 */
public final class ManifestCodec {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final byte[] DOMAIN = "backplane-plugin-manifest-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ManifestCodec() {
    }

    /**
     * Parses manifest JSON and checks its fields.
     *
     * @throws ManifestException naming the field at fault
     */
    public static PluginManifest parse(byte[] json) {
        PluginManifest m;
        try {
            m = JSON.readValue(json, PluginManifest.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ManifestException("manifest: unknown field '" + e.getPropertyName() + "'");
        } catch (JsonProcessingException e) {
            throw new ManifestException("manifest: not a valid manifest: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new ManifestException("manifest: unreadable: " + e.getMessage());
        }
        if (!m.problems().isEmpty()) {
            throw new ManifestException("manifest: " + String.join("; ", m.problems()));
        }
        return m;
    }

    public static byte[] toJson(PluginManifest m) {
        try {
            return JSON.writeValueAsBytes(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes the author signs. */
    public static byte[] signingBytes(PluginManifest m) {
        return new CanonicalWriter(256).bytes(DOMAIN).u32(m.schema()).string(m.id()).string(m.version()).string(m.apiVersion())
                .list(m.kinds(), CanonicalWriter::string).string(m.entryClass()).string(m.jarSha256()).string(m.authorKeyId())
                .toByteArray();
    }

    /** Signs with the author's Ed25519 key. */
    public static PluginManifest sign(PluginManifest m, PrivateKey authorKey) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(authorKey);
            s.update(signingBytes(m));
            return m.withSignature(Base64.getEncoder().encodeToString(s.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the manifest: " + e.getMessage(), e);
        }
    }

    /** Whether the manifest's signature verifies under {@code authorKey}. */
    public static boolean verify(PluginManifest m, PublicKey authorKey) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(authorKey);
            s.update(signingBytes(m));
            return s.verify(Base64.getDecoder().decode(m.signature()));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A manifest that cannot be read or whose fields are wrong; the message names the field. */
    public static final class ManifestException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public ManifestException(String message) {
            super(message);
        }
    }
}
