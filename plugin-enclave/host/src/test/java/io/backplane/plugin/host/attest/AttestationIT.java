package io.backplane.plugin.host.attest;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.EnclaveSettings;
import io.backplane.plugin.host.FeatureFlags;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginMetrics;
import io.backplane.plugin.host.PluginVerifier;
import io.backplane.plugin.host.SandboxProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttestationIT {
    @TempDir
    Path dir;
    private EnclaveHost host;
    private Path jar;
    private byte[] manifest;
    private SoftwareEcSigner signer;
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void setUp() throws Exception {
        KeyPair author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        AuthorKeys keys = new AuthorKeys(dir.resolve("authors"));
        keys.trust("alice-key", author.getPublic());
        Path classes = Path.of(io.backplane.plugin.samples.KaryTreeRouting.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        jar = dir.resolve("samples.jar");
        if (Files.isDirectory(classes)) {
            try (var jos = new java.util.jar.JarOutputStream(Files.newOutputStream(jar)); var walk = Files.walk(classes)) {
                for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                    jos.putNextEntry(new java.util.jar.JarEntry(classes.relativize(p).toString()));
                    jos.write(Files.readAllBytes(p));
                    jos.closeEntry();
                }
            }
        } else {
            Files.copy(classes, jar);
        }
        manifest = ManifestCodec.toJson(ManifestCodec.sign(new PluginManifest(1, "kary-tree", "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)",
                List.of("routing"), "io.backplane.plugin.samples.KaryTreeRouting", PluginVerifier.sha256Hex(jar), "alice-key", ""), author.getPrivate()));
        host = new EnclaveHost(EnclaveSettings.defaults().withAllowWeakSandbox(true), SandboxProbe.probe(), keys, PluginMetrics.standalone(), FeatureFlags.allOn(), "n0", System::nanoTime);
        signer = SoftwareEcSigner.loadOrCreate(dir.resolve("home/plugins"));
    }

    @Test
    void aReportVerifiesAgainstItsManifestAndSaysItIsSoftware() throws Exception {
        AttestationReport r = host.attest(manifest, jar, signer, clock);
        assertThat(r.tee()).isEqualTo("software");
        assertThat(r.signerKind()).isEqualTo("software-file");
        assertThat(r.hardwareQuote()).isEmpty();
        assertThat(r.statement()).contains("No hardware TEE quote");
        assertThat(r.components()).containsKeys("runtime/0", "runtime/1", "runtime/2", "plugin-jar", "manifest", "jdk-release");
        assertThat(r.components().get("plugin-jar")).isEqualTo(PluginVerifier.sha256Hex(jar));
        assertThat(r.launchArgs()).contains("io.backplane.plugin.runtime.EnclaveMain", "-XX:+ExitOnOutOfMemoryError");
        AttestationReport back = Attestation.fromJson(Attestation.toJson(r));
        assertThat(back).isEqualTo(r);
        assertThat(Attestation.verify(back, manifest, signer.publicKey())).isEmpty();
        // The same enclave measured twice gives the same measurement.
        assertThat(host.attest(manifest, jar, signer, clock).measurement()).isEqualTo(r.measurement());
    }

    @Test
    void findsATamperedReportAnotherManifestAndAStrangeSigner() throws Exception {
        AttestationReport r = host.attest(manifest, jar, signer, clock);
        List<String> args = new ArrayList<>(r.launchArgs());
        args.remove("--unshare-all");
        AttestationReport tampered = new AttestationReport(r.format(), r.pluginId(), r.pluginVersion(), r.measurement(), r.components(),
                args, r.sandbox(), r.tee(), r.hardwareQuote(), r.statement(), r.issuedAt(), r.signerKind(), r.signerKeyId(), r.signerPublicKey(), r.signature());
        assertThat(Attestation.verify(tampered, manifest, signer.publicKey())).containsExactly(
                "signature: does not verify under the report's signer key", "measurement: does not match the components and launch arguments");

        byte[] other = new String(manifest, StandardCharsets.UTF_8).replace("0", "1").getBytes(StandardCharsets.UTF_8);
        assertThat(Attestation.verify(r, other, signer.publicKey())).isNotEmpty();

        SoftwareEcSigner stranger = SoftwareEcSigner.loadOrCreate(dir.resolve("elsewhere"));
        assertThat(Attestation.verify(r, manifest, stranger.publicKey())).singleElement().asString().startsWith("signer: key ");
    }

    @Test
    void aForgedSelfSignedReportFailsAgainstTheTrustedKeyAndNoAnchorIsRefused() throws Exception {
        // A forger measures the genuine enclave and signs with a key of their own: the report is internally
        // consistent (its signature verifies under its embedded key), so only the trust anchor can refuse it.
        SoftwareEcSigner forger = SoftwareEcSigner.loadOrCreate(dir.resolve("forger"));
        AttestationReport forged = host.attest(manifest, jar, forger, clock);
        assertThat(Attestation.verify(forged, manifest, forger.publicKey())).isEmpty();
        assertThat(Attestation.verify(forged, manifest, signer.publicKey()))
                .containsExactly("signer: key " + forger.keyId() + " is not the trusted node key " + signer.keyId());
        org.assertj.core.api.Assertions.assertThatNullPointerException().isThrownBy(() -> Attestation.verify(forged, manifest, null))
                .withMessageContaining("trusted key is required");
    }

    @Test
    void aLoadedPluginIsAttestedWithTheArgumentsItsEnclaveRuns() throws Exception {
        try (var client = host.load(manifest, jar)) {
            AttestationReport r = host.attest(client, signer, clock);
            assertThat(r.launchArgs()).isEqualTo(client.launch().command());
            assertThat(Attestation.verify(r, manifest, signer.publicKey())).isEmpty();
        }
    }

    @Test
    void theSoftwareKeyIsKeptOwnerOnlyAndReloaded() throws Exception {
        SoftwareEcSigner again = SoftwareEcSigner.loadOrCreate(dir.resolve("home/plugins"));
        assertThat(again.keyId()).isEqualTo(signer.keyId()).hasSize(16);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("home/plugins/attestation-key.p8")))).isEqualTo("rw-------");
    }
}
