package io.backplane.provisioning;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.config.NodeHome;
import io.backplane.node.assembly.NodeAssembly;
import io.backplane.plugin.host.lifecycle.PluginStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane plugins verify|call|list|attest}: the plugin plane from the command line. The node home holds
 * {@code plugins/authors/<keyId>.pub} (trusted plugin authors), {@code plugins/store/} (the lifecycle store),
 * {@code plugins/operators/<identity>.pub} (who may sign uploads and approvals), {@code plugins/audit.jsonl} (its
 * hash-chained audit log, with its head anchor {@code audit.jsonl.head}) and, only on a node without a PKCS#11 token,
 * {@code plugins/attestation-key.p8} (a software attestation key; with a token the identity key signs). The
 * {@code plugins.*} config keys set the enclave limits and feature flags. JSON shapes: plugin-enclave/api/README.md.
 * The subcommands live by job in {@link PluginRunCommands} (verify, call, list, attest), {@link PluginKeyCommands}
 * (keygen, manifest, trust) and {@link PluginLifecycleCommands} (the store's lifecycle steps and its audit check); this
 * class holds what they share; the plugin files every command reads go through {@link PluginInputs}.
 */
@Command(name = "plugins", description = "Verify, call, list and attest sandboxed plugins; run their lifecycle and check its audit log.",
        subcommands = {PluginRunCommands.Verify.class, PluginRunCommands.Call.class, PluginRunCommands.ListPlugins.class, PluginRunCommands.Attest.class,
                PluginKeyCommands.Keygen.class, PluginKeyCommands.Manifest.class, PluginKeyCommands.Trust.class,
                PluginLifecycleCommands.Upload.class, PluginLifecycleCommands.Approve.class, PluginLifecycleCommands.Activate.class,
                PluginLifecycleCommands.Epoch.class, PluginLifecycleCommands.Veto.class, PluginLifecycleCommands.Rollback.class,
                PluginLifecycleCommands.Retire.class, PluginLifecycleCommands.AuditVerify.class})
public final class PluginsCommand implements Callable<Integer> {
    static final ObjectMapper INPUT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    static Path pluginsDir(NodeHome home) {
        return home.pluginsDir();
    }

    static PluginStore store(NodeHome home) {
        return NodeAssembly.openPluginStore(home);
    }

    /** The jar and manifest flags shared by verify, call and attest. */
    static final class PluginFiles {
        @Option(names = "--jar", paramLabel = "JAR", required = true, description = "The plugin jar.")
        Path jar;

        @Option(names = "--manifest", paramLabel = "FILE", required = true, description = "The plugin manifest (JSON).")
        Path manifest;
    }

}
