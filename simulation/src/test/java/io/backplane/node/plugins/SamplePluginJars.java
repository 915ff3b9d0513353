package io.backplane.node.plugins;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The reference plugins (plugin-samples) as a real jar with manifests signed by a test author that {@link #authors}
 * trusts, as an operator would install them; used to run them in real enclaves behind the consensus adapters.
 */
public final class SamplePluginJars {
    public static final String AUTHOR = "consensus-test-author";

    public final Path dir;
    public final AuthorKeys authors;
    private final KeyPair author;

    public SamplePluginJars(Path dir) {
        this.dir = dir;
        this.authors = new AuthorKeys(dir.resolve("authors"));
        try {
            this.author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        authors.trust(AUTHOR, author.getPublic());
    }

    /** The samples jar (copied, or jarred from the samples module's class directory). */
    public Path samplesJar() {
        Path jar = dir.resolve("plugin-samples.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Path classes;
        try {
            classes = Path.of(io.backplane.plugin.samples.RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            if (Files.isRegularFile(classes)) {
                return Files.copy(classes, jar);
            }
            try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
                 Stream<Path> walk = Files.walk(classes)) {
                for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                    JarEntry e = new JarEntry(classes.relativize(p).toString().replace('\\', '/'));
                    e.setTime(0);
                    jos.putNextEntry(e);
                    jos.write(Files.readAllBytes(p));
                    jos.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A signed manifest (JSON) for {@code entry} in {@code jar}. */
    public byte[] manifest(String id, Path jar, Class<?> entry, PluginKind kind) {
        try {
            PluginManifest m = new PluginManifest(PluginManifest.SCHEMA, id, "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)",
                    java.util.List.of(kind.wireName()), entry.getName(), PluginVerifier.sha256Hex(jar), AUTHOR, "");
            return ManifestCodec.toJson(ManifestCodec.sign(m, author.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
