package io.backplane.plugin.host.attest;

import java.security.PublicKey;

/**
 * Signs attestation reports with the node's identity: ECDSA P-256 over SHA-256 ({@code SHA256withECDSA}, DER
 * signature). The node's HSM-resident identity key signs where the node has a token (the provisioning module's
 * adapter over the keystore); {@link SoftwareEcSigner} serves only where it has none.
 */
public interface AttestationSigner {
    /** Which kind of key this is, written into the report: {@code hsm-identity} or {@code software-file}. */
    String kind();

    /** A short, stable name of the key (hex of the first 8 bytes of SHA-256 over its X.509 encoding). */
    String keyId();

    PublicKey publicKey();

    /** Signs {@code message}; never exposes the key. */
    byte[] sign(byte[] message);
}
