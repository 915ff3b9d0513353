package io.backplane.plugin.host;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.PluginManifest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds real plugin jars during tests: compiles Java sources with the JDK's compiler against the plugin API, jars the
 * classes, and writes a manifest signed by a test author key that a test-local {@link AuthorKeys} trusts.
 */
final class TestJars {
    static final String AUTHOR = "test-author";

    final Path dir;
    final AuthorKeys authors;
    final KeyPair author;

    TestJars(Path dir) {
        this.dir = dir;
        this.authors = new AuthorKeys(dir.resolve("authors"));
        try {
            this.author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        authors.trust(AUTHOR, author.getPublic());
    }

    /** Compiles {@code sources} (class name to source) against the API and returns the jar. */
    Path compile(String jarName, Map<String, String> sources) {
        return compile(jarName, sources, "21");
    }

    /** As {@link #compile(String, Map)} for a given {@code --release} (25: the foreign-function API, final since 22). */
    Path compile(String jarName, Map<String, String> sources, String release) {
        try {
            Path src = Files.createDirectories(dir.resolve("src-" + jarName));
            Path out = Files.createDirectories(dir.resolve("classes-" + jarName));
            List<String> files = new ArrayList<>();
            for (var e : sources.entrySet()) {
                Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
                Files.createDirectories(f.getParent());
                Files.writeString(f, e.getValue());
                files.add(f.toString());
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            List<String> args = new ArrayList<>(List.of("-d", out.toString(), "--release", release, "-proc:none", "-nowarn",
                    "-cp", EnclaveClassPath.locationOf(PluginKind.class).toString()));
            args.addAll(files);
            int rc = javac.run(null, null, System.err, args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("test plugin " + jarName + " does not compile");
            }
            return jar(jarName, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles all {@code sources} in one compiler run (cheaper than one run each) and jars each top-level class, with
     * its nested classes, on its own: class name to jar.
     */
    Map<String, Path> compileEach(String batch, Map<String, String> sources) {
        return compileEach(batch, sources, "21");
    }

    Map<String, Path> compileEach(String batch, Map<String, String> sources, String release) {
        Path all = compile(batch, sources, release);
        Path classes = dir.resolve("classes-" + batch);
        Map<String, Path> jars = new java.util.TreeMap<>();
        try {
            for (String cls : sources.keySet()) {
                String simple = cls.substring(cls.lastIndexOf('.') + 1);
                Path only = Files.createDirectories(dir.resolve("only-" + simple).resolve(cls.substring(0, cls.lastIndexOf('.')).replace('.', '/')));
                try (Stream<Path> files = Files.list(classes.resolve(cls.substring(0, cls.lastIndexOf('.')).replace('.', '/')))) {
                    for (Path f : files.toList()) {
                        String n = f.getFileName().toString();
                        if (n.equals(simple + ".class") || n.startsWith(simple + "$")) {
                            Files.copy(f, only.resolve(n));
                        }
                    }
                }
                jars.put(cls, jar(simple, dir.resolve("only-" + simple)));
            }
            Files.delete(all);
            return jars;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Jars a directory of classes (or copies a jar) into {@code <dir>/<name>.jar}. */
    Path jar(String name, Path classes) {
        Path jar = dir.resolve(name + ".jar");
        try {
            if (Files.isRegularFile(classes)) {
                return Files.copy(classes, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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

    /** The reference plugins as a jar (built from the samples module's classes). */
    Path samplesJar() {
        Path jar = dir.resolve("samples.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        return jar("samples", EnclaveClassPath.locationOf(io.backplane.plugin.samples.RoundRobinLeaderElection.class));
    }

    PluginManifest unsignedManifest(String id, Path jar, String entry, PluginKind... kinds) {
        try {
            return new PluginManifest(PluginManifest.SCHEMA, id, "1.0.0", "[" + ApiVersion.CURRENT + ",2.0)",
                    Stream.of(kinds).map(PluginKind::wireName).toList(), entry, PluginVerifier.sha256Hex(jar), AUTHOR, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] manifest(String id, Path jar, String entry, PluginKind... kinds) {
        return ManifestCodec.toJson(sign(unsignedManifest(id, jar, entry, kinds)));
    }

    PluginManifest sign(PluginManifest m) {
        return ManifestCodec.sign(m, author.getPrivate());
    }
}
