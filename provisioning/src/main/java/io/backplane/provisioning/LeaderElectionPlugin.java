package io.backplane.provisioning;

import io.backplane.config.BackplaneConfig;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.node.plugins.PluginLeaderElection;
import io.backplane.node.runtime.Genesis;
import io.backplane.node.runtime.ValidatorNode;
import io.backplane.plugin.api.PluginKind;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.EnclaveHost;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginClient;
import io.backplane.plugin.host.PluginRefusedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The leader-election plugin a node runs, as its genesis names it: the jar (checked against the genesis' SHA-256),
 * its signed manifest (checked by the enclave host against the home's trusted author keys), loaded into the node's
 * enclave. A node without that jar, or with another one, does not start (exit 4): it never runs another algorithm in
 * its place. With no plugin in the genesis it is the built-in round robin and holds nothing.
 */
final class LeaderElectionPlugin implements AutoCloseable {
    static final String JAR = "leader-election.jar";
    static final String MANIFEST = "leader-election.manifest.json";

    private final EnclaveHost host;
    private final PluginClient client;
    private final ValidatorNode.Election election;

    private LeaderElectionPlugin(EnclaveHost host, PluginClient client, ValidatorNode.Election election) {
        this.host = host;
        this.client = client;
        this.election = election;
    }

    ValidatorNode.Election election() {
        return election;
    }

    static LeaderElectionPlugin open(Genesis.LeaderElectionPlugin named, Path jarFlag, Path manifestFlag, NodeHome home, BackplaneConfig config,
                                     io.prometheus.metrics.model.registry.PrometheusRegistry registry) {
        if (named == null) {
            return new LeaderElectionPlugin(null, null, ValidatorNode.Election.builtIn());
        }
        Path jar = jarFlag != null ? jarFlag : home.pluginsDir().resolve(JAR);
        Path manifest = manifestFlag != null ? manifestFlag : defaultManifest(jar);
        String wanted = "the genesis' leader-election plugin " + named.id() + " " + named.version() + " (jar SHA-256 " + named.jarSha256() + ")";
        byte[] jarBytes;
        byte[] manifestJson;
        try {
            jarBytes = Files.readAllBytes(jar);
            manifestJson = Files.readAllBytes(manifest);
        } catch (NoSuchFileException e) {
            throw CommandFailure.plugin("this node has no " + e.getFile() + " for " + wanted + "; it does not run another algorithm in its place");
        } catch (IOException e) {
            throw CommandFailure.plugin("cannot read " + jar + " or " + manifest + " for " + wanted + ": " + e.getMessage());
        }
        String digest = sha256(jarBytes);
        if (!digest.equals(named.jarSha256())) {
            throw CommandFailure.plugin(jar + " has SHA-256 " + digest + ", not " + wanted + "; the node does not run another algorithm in its place");
        }
        PluginManifest m;
        try {
            m = ManifestCodec.parse(manifestJson);
        } catch (RuntimeException e) {
            throw CommandFailure.plugin(manifest + ": " + e.getMessage());
        }
        if (!m.id().equals(named.id()) || !m.version().equals(named.version())) {
            throw CommandFailure.plugin(manifest + " is plugin " + m.id() + " " + m.version() + ", not " + wanted);
        }
        EnclaveHost host = NodeAssembly.enclaveHost(home, config, NodeAssembly.enclaveSettings(config), new io.backplane.plugin.host.PluginMetrics(registry));
        try {
            PluginClient client = host.load(manifestJson, jar);
            if (!client.kinds().contains(PluginKind.LEADER_ELECTION)) {
                client.close();
                throw CommandFailure.plugin("plugin " + client.pluginId() + " is not a leader-election plugin (kinds " + client.kinds() + ")");
            }
            return new LeaderElectionPlugin(host, client, new ValidatorNode.Election(new PluginLeaderElection(client),
                    "plugin " + m.id() + " " + m.version() + " (enclave)"));
        } catch (PluginRefusedException e) {
            host.close();
            throw CommandFailure.plugin(wanted + " refused: " + e.getMessage());
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (host != null) {
            host.close();
        }
    }

    /** A plugin jar's manifest when none is named: the jar's name with {@code .manifest.json} for {@code .jar}. */
    static Path defaultManifest(Path jar) {
        String name = jar.getFileName().toString();
        String stem = name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
        return jar.resolveSibling(stem + ".manifest.json");
    }
}
