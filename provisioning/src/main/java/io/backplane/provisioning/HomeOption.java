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
import java.util.Set;
import org.slf4j.MDC;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --home DIR}, {@code --node ID} and {@code --set key=value} for every command that touches a node's state
 * (home default: BACKPLANE_HOME, else ~/.backplane/<node>; a leading {@code ~} is {@code $HOME}).
 *
 * <p>Resolving the home also makes it the process's working area: log lines carry the node id (MDC key
 * {@code node}) and temporary files (enclave staging, native libraries unpacked by jblst) go to {@code <home>/tmp},
 * so that a node writes nothing outside its home. Commands that only read a home ({@link #READ_ONLY}) never create
 * it nor anything in it.
 */
public final class HomeOption {
    /** The commands (paths below {@code backplane}) that only read a home: they never create one or write into it. */
    static final Set<String> READ_ONLY = Set.of("keys list", "keys audit-verify", "keys guard-export",
            "plugins list", "plugins verify", "plugins audit-verify");

    /** Read-only commands that have nothing to show without a home: a missing one names the first step. */
    private static final Set<String> NEEDS_EXISTING = Set.of("keys list", "keys audit-verify", "keys guard-export");

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--home", paramLabel = "DIR", description = "Node home directory (default: $BACKPLANE_HOME, else ~/.backplane/<node>).")
    Path home;

    @Option(names = "--node", paramLabel = "ID", defaultValue = "node0", description = "Node id, used for the default home (default: ${DEFAULT-VALUE}).")
    String node;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key (repeatable); wins over <home>/config.yaml and BACKPLANE_* variables.")
    List<String> sets = new ArrayList<>();

    public NodeHome resolve() {
        if (home != null && home.toString().isBlank()) {
            throw CommandFailure.usage("--home is empty; give a directory (or leave --home out for $BACKPLANE_HOME, else ~/.backplane/" + node + ")");
        }
        NodeHome resolved = NodeHome.resolve(home, node, System.getenv(), Path.of(System.getProperty("user.home")));
        MDC.put("node", node);
        String path = command == null ? "" : Examples.path(command.commandLine());
        if (READ_ONLY.contains(path)) {
            if (!resolved.exists() && NEEDS_EXISTING.contains(path)) {
                throw CommandFailure.failure("no node home at " + resolved.dir() + "; the first step is `backplane keys init-token --home "
                        + resolved.dir() + "`");
            }
            Path tmp = resolved.dir().resolve("tmp");
            if (Files.isDirectory(tmp) && Files.isWritable(tmp)) {
                useTmp(tmp);
            }
            return resolved;
        }
        useAsTempArea(resolved);
        return resolved;
    }

    /** The node's configuration: defaults, {@code <home>/config.yaml} when present, environment, then {@code --set}. */
    public BackplaneConfig loadConfig(NodeHome nodeHome) {
        for (String set : sets) {
            int eq = set.indexOf('=');
            if (eq <= 0) {
                throw CommandFailure.usage("--set expects KEY=VALUE (e.g. --set accel.device=cpu), got '" + set + "'");
            }
        }
        Path file = nodeHome.configFile();
        return ConfigLoader.backplane().load(Files.exists(file) ? file : null, System.getenv(), sets);
    }

    private static void useAsTempArea(NodeHome nodeHome) {
        if (System.getProperty("backplane.keepTmpdir") != null) {
            return; // tests keep the JVM's own temporary directory
        }
        try {
            Path tmp = nodeHome.ensureExists().dir().resolve("tmp");
            Files.createDirectories(tmp);
            useTmp(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + nodeHome.dir().resolve("tmp"), e);
        }
    }

    /**
     * This process's own scratch directory, {@code <home>/tmp/run-<pid>}, becomes {@code java.io.tmpdir} and is
     * removed when the process exits, Ctrl-C included ({@link Interrupts}); those of processes that died without
     * removing theirs (kill -9) are swept here. Its own directory keeps a running node's files apart from a command's.
     */
    private static void useTmp(Path tmp) {
        if (System.getProperty("backplane.keepTmpdir") != null) {
            return;
        }
        sweepStale(tmp);
        Path mine = tmp.resolve("run-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(mine);
        } catch (IOException e) {
            return; // a home we may not write into: keep the JVM's temporary directory
        }
        Interrupts.scratch(mine);
        System.setProperty("java.io.tmpdir", mine.toString());
    }

    private static void sweepStale(Path tmp) {
        try (var dirs = Files.newDirectoryStream(tmp, "run-*")) {
            for (Path d : dirs) {
                String pid = d.getFileName().toString().substring(4);
                if (pid.chars().allMatch(Character::isDigit) && !pid.isEmpty()
                        && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    Interrupts.deleteTree(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
