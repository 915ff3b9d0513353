package io.backplane.plugin.host.attest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.backplane.codec.CanonicalWriter;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.ManifestCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Measures an enclave, issues signed reports and verifies them against a manifest. */
public final class Attestation {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Attestation() {
    }

    /**
     * Measures the parts of an enclave. A class-path entry that is a directory (a build tree) is hashed as the sorted
     * list of its files' relative names and contents.
     */
    public static Map<String, String> measure(List<Path> runtimeClassPath, Path pluginJar, byte[] manifestJson, Path javaHome) {
        Map<String, String> c = new TreeMap<>();
        for (int i = 0; i < runtimeClassPath.size(); i++) {
            c.put("runtime/" + i, sha256(runtimeClassPath.get(i)));
        }
        c.put("plugin-jar", sha256(pluginJar));
        c.put("manifest", hex(digest(manifestJson)));
        c.put("jdk-release", sha256(javaHome.resolve("release")));
        return c;
    }

    /** The single measurement over the components and the exact launch arguments. */
    public static String measurement(Map<String, String> components, List<String> launchArgs) {
        byte[] body = new CanonicalWriter(1024).string("backplane-enclave-measurement-v1")
                .list(List.copyOf(new TreeMap<>(components).entrySet()), (w, e) -> w.string(e.getKey()).string(e.getValue()))
                .list(launchArgs, CanonicalWriter::string).toByteArray();
        return hex(digest(body));
    }

    /** Issues a signed report for an enclave of {@code manifest} measured as {@code components}. */
    public static AttestationReport issue(PluginManifest manifest, Map<String, String> components, List<String> launchArgs,
                                          String sandbox, AttestationSigner signer, Clock clock) {
        AttestationReport unsigned = new AttestationReport(AttestationReport.FORMAT, manifest.id(), manifest.version(),
                measurement(components, launchArgs), components, launchArgs, sandbox, "software", "", AttestationReport.STATEMENT,
                clock.instant().toString(), signer.kind(), signer.keyId(), Base64.getEncoder().encodeToString(signer.publicKey().getEncoded()), "");
        return unsigned.withSignature(Base64.getEncoder().encodeToString(signer.sign(unsigned.signedBytes())));
    }

    /**
     * Every reason {@code report} does not attest {@code manifestJson}: a bad signature, a signer other than
     * {@code trustedKey}, a measurement that does not add up, or a jar or manifest other than the manifest's. Empty
     * when the report holds. The trust anchor is required: the key embedded in a report proves nothing on its own
     * (anyone can sign a report with a key of their own).
     */
    public static List<String> verify(AttestationReport report, byte[] manifestJson, PublicKey trustedKey) {
        java.util.Objects.requireNonNull(trustedKey, "a trusted key is required to verify an attestation report");
        List<String> problems = new ArrayList<>();
        if (!AttestationReport.FORMAT.equals(report.format())) {
            problems.add("format: " + report.format() + " is not " + AttestationReport.FORMAT);
        }
        PublicKey signer;
        try {
            signer = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(report.signerPublicKey())));
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(signer);
            s.update(report.signedBytes());
            if (!s.verify(Base64.getDecoder().decode(report.signature()))) {
                problems.add("signature: does not verify under the report's signer key");
            }
            if (!MessageDigest.isEqual(trustedKey.getEncoded(), signer.getEncoded())) {
                problems.add("signer: key " + report.signerKeyId() + " is not the trusted node key " + SoftwareEcSigner.keyIdOf(trustedKey));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            problems.add("signature: unreadable: " + e.getMessage());
        }
        if (!measurement(report.components(), report.launchArgs()).equals(report.measurement())) {
            problems.add("measurement: does not match the components and launch arguments");
        }
        PluginManifest m;
        try {
            m = ManifestCodec.parse(manifestJson);
        } catch (ManifestCodec.ManifestException e) {
            problems.add(e.getMessage());
            return problems;
        }
        if (!m.jarSha256().equals(report.components().get("plugin-jar"))) {
            problems.add("plugin-jar: the enclave ran " + report.components().get("plugin-jar") + ", the manifest describes " + m.jarSha256());
        }
        if (!hex(digest(manifestJson)).equals(report.components().get("manifest"))) {
            problems.add("manifest: the enclave was given another manifest");
        }
        if (!m.id().equals(report.pluginId()) || !m.version().equals(report.pluginVersion())) {
            problems.add("plugin: the report is about " + report.pluginId() + " " + report.pluginVersion() + ", the manifest about " + m.id() + " " + m.version());
        }
        return problems;
    }

    public static byte[] toJson(AttestationReport r) {
        try {
            return JSON.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static AttestationReport fromJson(byte[] json) {
        try {
            return JSON.readValue(json, AttestationReport.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an attestation report: " + e.getMessage(), e);
        }
    }

    static String sha256(Path p) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                        byte[] name = p.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        byte[] content = Files.readAllBytes(f);
                        md.update(new CanonicalWriter(name.length + content.length + 8).bytes(name).bytes(content).toByteArray());
                    }
                }
            } else {
                md.update(Files.readAllBytes(p));
            }
            return hex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + p, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] digest(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
