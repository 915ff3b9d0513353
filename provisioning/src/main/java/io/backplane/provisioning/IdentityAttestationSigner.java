package io.backplane.provisioning;

import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.Pins;
import io.backplane.plugin.host.attest.AttestationSigner;
import io.backplane.plugin.host.attest.SoftwareEcSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * Signs attestation reports with the node identity key (EC P-256) inside the PKCS#11 token, through the keystore: the
 * private key never leaves the token, and each signature is recorded in the keystore's audit trail
 * ({@code attest-sign}). The adapter lives here because plugin-enclave must not depend on hsm-keystore (the enclave
 * host has no business with PKCS#11), and provisioning is where both meet.
 */
final class IdentityAttestationSigner implements AttestationSigner, AutoCloseable {
    static final String KIND = "hsm-identity";

    private final Keystore keystore;
    private final String nodeId;
    private final PublicKey publicKey;
    private final String keyId;

    IdentityAttestationSigner(Keystore keystore, String nodeId) {
        this.keystore = keystore;
        this.nodeId = nodeId;
        this.publicKey = keystore.identityCertificate()
                .orElseThrow(() -> new IllegalStateException("the node's token has no identity key for node '" + nodeId
                        + "': run `backplane keys gen-identity` first (attestation reports are signed by the identity key)"))
                .getPublicKey();
        this.keyId = SoftwareEcSigner.keyIdOf(publicKey);
    }

    /** Whether {@code home} has a token: a configured PKCS#11 library, or the project-owned SoftHSM setup. */
    static boolean homeHasToken(NodeHome home, BackplaneConfig config) {
        return !config.hsm().library().isEmpty() || Files.exists(home.hsmDir().resolve("softhsm2.conf"));
    }

    /** Opens the home's keystore with its PIN (environment or PIN file, as {@code keys} does). */
    static Keystore openKeystore(NodeHome home, BackplaneConfig config) {
        Path pinFile = config.hsm().pinFile().isEmpty() ? home.hsmDir().resolve("pin") : Path.of(config.hsm().pinFile());
        Path library = config.hsm().library().isEmpty() ? null : Path.of(config.hsm().library());
        char[] pin = Pins.read(System.getenv(), pinFile);
        try {
            return Keystore.open(new Keystore.Options(home.hsmDir(), library, config.hsm().tokenLabel(), config.node().id(),
                    Clock.systemUTC(), KeysCommand.CHECKPOINT_EVERY), pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
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
