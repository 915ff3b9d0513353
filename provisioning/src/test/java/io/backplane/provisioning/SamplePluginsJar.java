package io.backplane.provisioning;

import io.backplane.plugin.samples.RoundRobinLeaderElection;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** The reference plugins as a jar: the samples module's jar, or its build-tree classes packed into {@code dir}. */
final class SamplePluginsJar {
    private SamplePluginsJar() {
    }

    static Path in(Path dir) throws Exception {
        Path classes = Path.of(RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(classes)) {
            return classes;
        }
        Path jar = dir.resolve("samples.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os); Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(p).toString()));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return jar;
    }
}
