package io.backplane.plugin.host.attest;

import java.security.PublicKey;

/**
 * Signs attestation reports with the node's identity: ECDSA P-256 over SHA-256 ({@code SHA256withECDSA}, DER
 * signature). The node will wire its HSM-resident identity key here; {@link SoftwareEcSigner} serves until then.
 */
public interface AttestationSigner {
    /** A short, stable name of the key (hex of the first 8 bytes of SHA-256 over its X.509 encoding). */
    String keyId();

    PublicKey publicKey();

    /** Signs {@code message}; never exposes the key. */
    byte[] sign(byte[] message);
}
