package io.backplane.plugin.host.attest;

import io.backplane.codec.CanonicalWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A signed statement of what an enclave runs. {@code components} maps each measured part ({@code runtime/N},
 * {@code plugin-jar}, {@code manifest}, {@code jdk-release}) to its SHA-256; {@code measurement} is the SHA-256 of the
 * canonical encoding of the components and the launch arguments. {@code tee} is {@code software} and
 * {@code hardwareQuote} empty on these machines: the field is there to carry a TDX or SEV-SNP quote where one exists.
 * {@code signerKind} says which key signed: {@code hsm-identity} (the node identity key, inside the PKCS#11 token) or
 * {@code software-file} (an EC key in a file under the node home, used only where the node has no token).
 * {@code signature} (base64 DER ECDSA P-256) covers the canonical encoding of every other field.
 */
public record AttestationReport(String format, String pluginId, String pluginVersion, String measurement,
                                Map<String, String> components, List<String> launchArgs, String sandbox, String tee,
                                String hardwareQuote, String statement, String issuedAt, String signerKind, String signerKeyId,
                                String signerPublicKey, String signature) {
    public static final String FORMAT = "backplane-attestation-2";
    public static final String STATEMENT = "Software measurement by the Backplane host. No hardware TEE quote is available on this "
            + "machine (Intel TDX, AMD SEV-SNP): this report proves what the host says it launched, not that the host is honest.";

    public AttestationReport {
        components = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(components));
        launchArgs = List.copyOf(launchArgs);
    }

    /** The bytes the signature covers. */
    public byte[] signedBytes() {
        return new CanonicalWriter(1024).string(format).string(pluginId).string(pluginVersion).string(measurement)
                .list(List.copyOf(components.entrySet()), (w, e) -> w.string(e.getKey()).string(e.getValue()))
                .list(launchArgs, CanonicalWriter::string).string(sandbox).string(tee).string(hardwareQuote).string(statement)
                .string(issuedAt).string(signerKind).string(signerKeyId).string(signerPublicKey).toByteArray();
    }

    AttestationReport withSignature(String sig) {
        return new AttestationReport(format, pluginId, pluginVersion, measurement, components, launchArgs, sandbox, tee,
                hardwareQuote, statement, issuedAt, signerKind, signerKeyId, signerPublicKey, sig);
    }
}
