package io.backplane.provisioning;

import io.backplane.config.BackplaneConfig;
import io.backplane.config.ConfigLoader;
import io.backplane.config.NodeHome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;
import picocli.CommandLine.Option;

/**
 * {@code --home DIR}, {@code --node ID} and {@code --set key=value} for every command that touches a node's state
 * (home default: BACKPLANE_HOME, else ~/.backplane/<node>).
 *
 * <p>Resolving the home also makes it the process's working area: log lines carry the node id (MDC key
 * {@code node}) and temporary files (enclave staging, native libraries unpacked by jblst) go to {@code <home>/tmp},
 * so that a node writes nothing outside its home.
 */
public final class HomeOption {
    @Option(names = "--home", paramLabel = "DIR", description = "Node home directory (default: $BACKPLANE_HOME, else ~/.backplane/<node>).")
    Path home;

    @Option(names = "--node", paramLabel = "ID", defaultValue = "node0", description = "Node id, used for the default home (default: ${DEFAULT-VALUE}).")
    String node;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key (repeatable); wins over <home>/config.yaml and BACKPLANE_* variables.")
    List<String> sets = new ArrayList<>();

    public NodeHome resolve() {
        NodeHome resolved = NodeHome.resolve(home, node, System.getenv(), Path.of(System.getProperty("user.home")));
        MDC.put("node", node);
        useAsTempArea(resolved);
        return resolved;
    }

    /** The node's configuration: defaults, {@code <home>/config.yaml} when present, environment, then {@code --set}. */
    public BackplaneConfig loadConfig(NodeHome nodeHome) {
        Path file = nodeHome.configFile();
        return ConfigLoader.backplane().load(Files.isRegularFile(file) ? file : null, System.getenv(), sets);
    }

    private static void useAsTempArea(NodeHome nodeHome) {
        if (System.getProperty("backplane.keepTmpdir") != null) {
            return; // tests keep the JVM's own temporary directory
        }
        try {
            Path tmp = nodeHome.ensureExists().dir().resolve("tmp");
            Files.createDirectories(tmp);
            System.setProperty("java.io.tmpdir", tmp.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + nodeHome.dir().resolve("tmp"), e);
        }
    }
}
