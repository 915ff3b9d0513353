package io.backplane.provisioning;

import static io.backplane.provisioning.InProcessCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.lifecycle.Authorization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A node home whose plugin store the tests drive through the admin API, made with the documented commands: a
 * trusted plugin author ({@code author}), operator identities with their Ed25519 keys, and manifests of the sample
 * k-ary tree routing plugin signed by the author.
 */
final class PluginStoreFixture {
    final Path dir;
    final Path home;
    final Path keys;
    final Path samples;

    PluginStoreFixture(Path dir, String... operators) throws Exception {
        this.dir = dir;
        this.home = dir.resolve("home");
        this.keys = dir.resolve("keys");
        this.samples = SamplePluginsJar.in(dir);
        assertThat(run("plugins", "keygen", "--key-id", "author", "--out", keys.toString()).code()).isZero();
        assertThat(run("plugins", "trust", "--home", home.toString(), "--key-id", "author", "--public-key", keys.resolve("author.pub").toString()).code()).isZero();
        for (String who : operators) {
            assertThat(run("plugins", "keygen", "--key-id", who, "--out", keys.toString()).code()).isZero();
            assertThat(run("plugins", "trust", "--home", home.toString(), "--role", "operator", "--key-id", who,
                    "--public-key", keys.resolve(who + ".pub").toString()).code()).isZero();
        }
    }

    /** A manifest of kary-tree {@code version} for the samples jar, signed by the author. */
    Path manifest(String version) {
        Path m = dir.resolve("kary-" + version + ".json");
        InProcessCli.Result made = run("plugins", "manifest", "--jar", samples.toString(), "--id", "kary-tree", "--plugin-version", version,
                "--kind", "routing", "--entry-class", "io.backplane.plugin.samples.KaryTreeRouting", "--key", keys.resolve("author.key").toString(),
                "--key-id", "author", "--out", m.toString());
        assertThat(made.code()).as(made.err()).isZero();
        return m;
    }

    static String digest(Path manifest) throws Exception {
        return ManifestCodec.parse(Files.readAllBytes(manifest)).jarSha256();
    }

    /** {@code who}'s signature (hex) over one lifecycle step of kary-tree {@code version}. */
    String sign(String who, String action, String version, String digest) {
        return HexFormat.of().formatHex(Authorization.sign(who, Authorization.readKey(keys.resolve(who + ".key")), action, "kary-tree", version, digest)
                .signature());
    }

    /** The body of {@code POST /v1/plugins}: the manifest's bytes and the samples jar, base64, and the upload signature. */
    String upload(Path manifest, String signature) throws Exception {
        return "{\"manifest\":\"" + b64(Files.readAllBytes(manifest)) + "\",\"jar\":\"" + b64(Files.readAllBytes(samples)) + "\",\"signature\":\"" + signature + "\"}";
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
