package io.backplane.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * A node's home directory: everything a node writes lives below it ({@code config.yaml}, {@code hsm/},
 * {@code data/}, {@code logs/}). Chosen by {@code --home DIR}, else {@code BACKPLANE_HOME}, else
 * {@code ~/.backplane/<node>}.
 */
public record NodeHome(Path dir) {
    public static final String ENV = "BACKPLANE_HOME";

    public NodeHome {
        dir = dir.toAbsolutePath().normalize();
    }

    public static NodeHome resolve(Path flag, String nodeId, Map<String, String> env, Path userHome) {
        if (flag != null) {
            return new NodeHome(flag);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new NodeHome(Path.of(fromEnv));
        }
        return new NodeHome(userHome.resolve(".backplane").resolve(nodeId));
    }

    public Path configFile() {
        return dir.resolve("config.yaml");
    }

    public Path hsmDir() {
        return dir.resolve("hsm");
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public Path logsDir() {
        return dir.resolve("logs");
    }

    /** Creates the directory (owner-only, it holds key material) if missing and returns this. */
    public NodeHome ensureExists() {
        try {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw new ConfigException("home " + dir + " exists and is not a directory");
                }
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create node home " + dir, e);
        }
    }
}
