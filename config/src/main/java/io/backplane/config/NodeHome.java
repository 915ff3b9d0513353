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
 * {@code data/}, {@code logs/}, {@code tmp/}). Chosen by {@code --home DIR}, else {@code BACKPLANE_HOME}, else
 * {@code ~/.backplane/<node>}; a leading {@code ~} is the user's home as the shell sees it ({@code $HOME}).
 */
public record NodeHome(Path dir) {
    public static final String ENV = "BACKPLANE_HOME";

    public NodeHome {
        dir = dir.toAbsolutePath().normalize();
    }

    /**
     * @param userHome the fallback for {@code ~} when {@code HOME} is unset (Java's {@code user.home}, which comes from
     *                 the password database and so ignores a changed {@code HOME})
     */
    public static NodeHome resolve(Path flag, String nodeId, Map<String, String> env, Path userHome) {
        String home = env.get("HOME");
        Path tilde = home != null && !home.isBlank() ? Path.of(home) : userHome;
        if (flag != null) {
            if (flag.toString().isBlank()) {
                throw new ConfigException("--home is empty; give a directory (or leave --home out for $"
                        + ENV + ", else ~/.backplane/" + nodeId + ")");
            }
            return new NodeHome(expandTilde(flag.toString(), tilde));
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new NodeHome(expandTilde(fromEnv, tilde));
        }
        return new NodeHome(tilde.resolve(".backplane").resolve(nodeId));
    }

    /** {@code ~} and {@code ~/x} as the shell would expand them (a quoted or {@code --home=~/x} one reaches us as is). */
    private static Path expandTilde(String path, Path tilde) {
        if (path.equals("~")) {
            return tilde;
        }
        return path.startsWith("~/") ? tilde.resolve(path.substring(2)) : Path.of(path);
    }

    /** Whether the directory exists (read-only commands use a home only when it does). */
    public boolean exists() {
        return Files.isDirectory(dir);
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

    /** The admin API's files: {@code tokens} (hashed bearer tokens), {@code operator.token}, {@code ca.pem}, {@code flags.json}. */
    public Path adminDir() {
        return dir.resolve("admin");
    }

    /** The token's PIN file of the project-owned SoftHSM token (unless {@code hsm.pinFile} names another). */
    public Path defaultPinFile() {
        return hsmDir().resolve("pin");
    }

    /** Plugin jars, manifests, the plugin store and its audit log. */
    public Path pluginsDir() {
        return dir.resolve("plugins");
    }

    /** The plugin authors' public keys this node trusts. */
    public Path pluginAuthorsDir() {
        return pluginsDir().resolve("authors");
    }

    /** Compiled OpenCL programs (unless {@code $BACKPLANE_OPENCL_CACHE} names another directory). */
    public Path defaultOpenClCacheDir() {
        return dir.resolve("cache").resolve("opencl");
    }

    /**
     * Creates the directory if missing and returns this: {@code rwx--x--x}, listable and writable by its owner only (the
     * key material below it sits in owner-only {@code hsm/}); others may only traverse it, which the plugin sandbox
     * needs (bubblewrap, in its user namespace, opens the jar staged under {@code <home>/tmp}).
     */
    public NodeHome ensureExists() {
        try {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // exact, whatever the umask
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
