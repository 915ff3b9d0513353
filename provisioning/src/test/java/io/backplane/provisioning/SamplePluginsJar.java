package io.backplane.provisioning;

import io.backplane.plugin.samples.RoundRobinLeaderElection;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reference plugins as a jar: the samples module's jar, or its build-tree classes packed into {@code dir} ({@link SampleJar}). */
final class SamplePluginsJar {
    private SamplePluginsJar() {
    }

    static Path in(Path dir) throws Exception {
        Path classes = Path.of(RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(classes)) {
            return classes;
        }
        Path jar = dir.resolve("samples.jar");
        if (!Files.exists(jar)) {
            SampleJar.writeTo(RoundRobinLeaderElection.class.getName(), jar);
        }
        return jar;
    }
}
