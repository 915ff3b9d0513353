package io.backplane.node.keys;

import io.backplane.hsm.keystore.Keystore;
import io.backplane.plugin.host.attest.AttestationSigner;
import io.backplane.plugin.host.attest.SoftwareEcSigner;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.HexFormat;
import java.util.Map;

/**
 * Signs attestation reports with the node identity key (EC P-256) inside the PKCS#11 token, through the keystore: the
 * private key never leaves the token, and each signature is recorded in the keystore's audit trail
 * ({@code attest-sign}). It lives in the node, beside the other keystore adapters, because plugin-enclave must not
 * depend on hsm-keystore (the enclave host has no business with PKCS#11) and the node is where both meet.
 */
public final class IdentityAttestationSigner implements AttestationSigner, AutoCloseable {
    public static final String KIND = "hsm-identity";

    private final Keystore keystore;
    private final String nodeId;
    private final PublicKey publicKey;
    private final String keyId;

    /** Signs with {@code keystore}'s identity key of {@code nodeId}; closing this closes the keystore. */
    public IdentityAttestationSigner(Keystore keystore, String nodeId) {
        this.keystore = keystore;
        this.nodeId = nodeId;
        this.publicKey = keystore.identityCertificate()
                .orElseThrow(() -> new IllegalStateException("the node's token has no identity key for node '" + nodeId
                        + "': run `backplane keys gen-identity` first (attestation reports are signed by the identity key)"))
                .getPublicKey();
        this.keyId = SoftwareEcSigner.keyIdOf(publicKey);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public byte[] sign(byte[] message) {
        byte[] signature = keystore.token().signWithIdentity(nodeId, message);
        keystore.audit().append("attest-sign", keystore.identityKeyId(),
                Map.of("sha256", sha256Hex(message), "signatureSha256", sha256Hex(signature)));
        return signature;
    }

    @Override
    public void close() {
        keystore.close();
    }

    private static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
