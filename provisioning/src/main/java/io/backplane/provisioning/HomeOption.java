package io.backplane.provisioning;

import io.backplane.config.NodeHome;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --home DIR} for every command that touches a node's state (default: BACKPLANE_HOME, else ~/.backplane/<node>). */
public final class HomeOption {
    @Option(names = "--home", paramLabel = "DIR", description = "Node home directory (default: $BACKPLANE_HOME, else ~/.backplane/<node>).")
    Path home;

    @Option(names = "--node", paramLabel = "ID", defaultValue = "node0", description = "Node id, used for the default home (default: ${DEFAULT-VALUE}).")
    String node;

    public NodeHome resolve() {
        return NodeHome.resolve(home, node, System.getenv(), Path.of(System.getProperty("user.home")));
    }
}
