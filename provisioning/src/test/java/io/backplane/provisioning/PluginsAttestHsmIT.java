package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.hsm.pkcs11.SoftHsm;
import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plugins attest} signed by the node identity key in a real SoftHSM2 token. SoftHSM reads its config once per
 * process and {@link KeysCommandIT} owns this JVM's, so the steps that open the token run in child JVMs
 * ({@link Main#main}) on their own home; verification reads only {@code identity.pem} and runs in-process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginsAttestHsmIT {
    @TempDir
    static Path dir;
    private Path home;
    private Path jar;
    private Path manifest;

    static ChildJvm.Result child(String... args) throws Exception {
        return ChildJvm.in(dir).flags("-Djna.tmpdir=" + System.getProperty("jna.tmpdir", dir.resolve("jna").toString())).run(Main.class.getName(), args);
    }

    @BeforeAll
    void tokenWithIdentity() throws Exception {
        assumeTrue(SoftHsm.findLibrary().isPresent(), "SoftHSM2 is not installed (scripts/install-deps installs softhsm2)");
        home = dir.resolve("hsm-home");
        KeyPair author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        new AuthorKeys(home.resolve("plugins/authors")).trust("alice-key", author.getPublic());
        jar = SamplePluginsJar.in(dir);
        PluginManifest m = new PluginManifest(1, "kary-tree", "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)", List.of("routing"),
                "io.backplane.plugin.samples.KaryTreeRouting", PluginVerifier.sha256Hex(jar), "alice-key", "");
        manifest = Files.write(dir.resolve("kary.manifest.json"), ManifestCodec.toJson(ManifestCodec.sign(m, author.getPrivate())));
        ChildJvm.Result init = child("keys", "init-token", "--home", home.toString());
        assertThat(init.code()).as(init.err()).isZero();
        // A node with a token but no identity key refuses to attest rather than fall back to a file key.
        ChildJvm.Result noIdentity = child("plugins", "attest", "--home", home.toString(), "--jar", jar.toString(), "--manifest", manifest.toString());
        assertThat(noIdentity.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(noIdentity.err()).contains("has no identity key").contains("keys gen-identity");
        assertThat(home.resolve("plugins/attestation-key.p8")).doesNotExist();
        ChildJvm.Result id = child("keys", "gen-identity", "--home", home.toString());
        assertThat(id.code()).as(id.err()).isZero();
    }

    @Test
    void theReportIsSignedInTheTokenVerifiesAgainstTheIdentityCertificateAndAForgeryDoesNot() throws Exception {
        Path report = dir.resolve("report.json");
        ChildJvm.Result issued = child("plugins", "attest", "--home", home.toString(), "--jar", jar.toString(), "--manifest", manifest.toString(),
                "--out", report.toString(), "--json");
        assertThat(issued.code()).as(issued.err()).isZero();
        JsonNode r = JsonOutput.MAPPER.readTree(issued.out());
        assertThat(r.get("signerKind").asText()).isEqualTo("hsm-identity");
        // No software key was created: the node has a token, so only its identity key signs.
        assertThat(home.resolve("plugins/attestation-key.p8")).doesNotExist();
        // The keystore's own audit trail records the signature.
        assertThat(Files.readString(home.resolve("hsm/audit/audit.log"))).contains("\"attest-sign\"");

        InProcessCli.Result ok = InProcessCli.run("plugins", "attest", "--home", home.toString(), "--verify", report.toString(),
                "--manifest", manifest.toString(), "--json");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.json().get("trustAnchor").asText()).endsWith("identity.pem");
        assertThat(ok.json().get("signerKind").asText()).isEqualTo("hsm-identity");

        // Elsewhere, with the identity certificate given explicitly, the report holds too.
        Path empty = dir.resolve("verifier-home");
        InProcessCli.Result explicit = InProcessCli.run("plugins", "attest", "--home", empty.toString(), "--verify", report.toString(),
                "--manifest", manifest.toString(), "--trusted-key", home.resolve("hsm/identity.pem").toString(), "--json");
        assertThat(explicit.code()).as(explicit.out() + explicit.err()).isZero();

        // A forger with a home of its own (no token: software key) attests the same plugin; its report is
        // self-consistent but is not signed by this node's identity key.
        Path forgerHome = dir.resolve("forger-home");
        new AuthorKeys(forgerHome.resolve("plugins/authors")).trust("alice-key",
                new AuthorKeys(home.resolve("plugins/authors")).find("alice-key").orElseThrow());
        Path forged = dir.resolve("forged.json");
        InProcessCli.Result f = InProcessCli.run("plugins", "attest", "--home", forgerHome.toString(), "--jar", jar.toString(),
                "--manifest", manifest.toString(), "--out", forged.toString(), "--json");
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.json().get("signerKind").asText()).isEqualTo("software-file");
        InProcessCli.Result refused = InProcessCli.run("plugins", "attest", "--home", home.toString(), "--verify", forged.toString(),
                "--manifest", manifest.toString(), "--json");
        assertThat(refused.code()).isEqualTo(ExitCodes.FAILURE);
        assertThat(refused.json().get("valid").asBoolean()).isFalse();
        assertThat(refused.json().get("problems").toString()).contains("is not the trusted node key");
        String forgedText = Files.readString(forged, StandardCharsets.UTF_8);
        assertThat(forgedText).contains("software-file");
    }
}
