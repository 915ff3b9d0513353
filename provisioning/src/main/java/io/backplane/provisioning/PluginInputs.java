package io.backplane.provisioning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The plugin files the CLI reads — manifests, jars, inputs, reports, keys — with the error each failure earns: a plugin's
 * own file that cannot be read refuses the plugin (exit 4), any other names the file (exit 1). Shared by the
 * {@code plugins} and {@code ctl plugins} commands.
 */
final class PluginInputs {
    private PluginInputs() {
    }

    static byte[] read(Path p, String what) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            String message = "cannot read the " + what + " " + p + ": " + why;
            // A plugin's own file that cannot be read refuses the plugin (exit 4), as a jar that cannot be read does.
            throw what.equals("manifest") ? CommandFailure.plugin(message) : new IllegalArgumentException(message);
        }
    }

    /** A jar that cannot be opened as a zip (truncated, not a jar) is refused before anything is signed for it. */
    static void checkReadableJar(Path jar) {
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile(), true)) {
            var entries = j.entries();
            while (entries.hasMoreElements()) {
                try (var in = j.getInputStream(entries.nextElement())) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        } catch (IOException | SecurityException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage();
            throw CommandFailure.plugin("jar " + jar + " is not a readable jar: " + why);
        }
    }
}
