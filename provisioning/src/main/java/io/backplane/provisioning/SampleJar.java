package io.backplane.provisioning;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The jar of a reference plugin on this class path (the plugin-samples module): copied as it is, or, when the class
 * path holds the module's build-tree classes (tests), packed into a jar with fixed entry times (the same bytes, so the
 * same SHA-256, on every call).
 */
final class SampleJar {
    private SampleJar() {
    }

    static void writeTo(String className, Path out) throws IOException {
        Path source;
        try {
            source = Path.of(Class.forName(className).getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (ClassNotFoundException | URISyntaxException e) {
            throw CommandFailure.failure("the reference plugin " + className + " is not on this class path (plugin-samples): " + e.getMessage());
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        if (Files.isRegularFile(source)) {
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        } else {
            try (OutputStream os = Files.newOutputStream(tmp); JarOutputStream jos = new JarOutputStream(os); Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                    JarEntry e = new JarEntry(source.relativize(p).toString());
                    e.setTime(0);
                    jos.putNextEntry(e);
                    jos.write(Files.readAllBytes(p));
                    jos.closeEntry();
                }
            }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
