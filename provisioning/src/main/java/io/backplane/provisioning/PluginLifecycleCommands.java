package io.backplane.provisioning;

import io.backplane.plugin.host.lifecycle.HashChainedAuditLog;
import io.backplane.plugin.host.lifecycle.PluginStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import static io.backplane.provisioning.PluginInputs.*;
import static io.backplane.provisioning.PluginsCommand.*;

/** {@code plugins upload|approve|activate|epoch|veto|rollback|retire|audit-verify}: the plugin store's lifecycle, each step signed and audited, and the check of its audit log. */
final class PluginLifecycleCommands {
    private PluginLifecycleCommands() {
    }

    /** Shared by the lifecycle steps: home, JSON, the acting identity; prints the entry; exit 4 on a refused step. */
    abstract static class Step extends NodeCommand {
        @Option(names = "--as", required = true, paramLabel = "IDENTITY", description = "Who performs this step (recorded in the audit log).")
        String actor;

        abstract Object step(PluginStore store);

        @Override
        public Integer call() {
            PrintWriter pw = spec.commandLine().getOut();
            try {
                Object result = step(store(home.resolve()));
                if (json.enabled()) {
                    JsonOutput.line(pw, result);
                } else {
                    human(pw, result);
                }
                return ExitCodes.OK;
            } catch (io.backplane.plugin.host.lifecycle.LifecycleException e) {
                throw CommandFailure.plugin(e.getMessage());
            }
        }

        /** An entry as {@code id version STATE}, one per line; other answers as their JSON. */
        private static void human(PrintWriter pw, Object result) {
            List<?> items = result instanceof List<?> l ? l : List.of(result);
            if (items.isEmpty()) {
                pw.println("no plugin changed state");
            }
            for (Object o : items) {
                if (o instanceof PluginStore.Entry e) {
                    pw.printf("%s %s %s%n", e.id(), e.version(), e.state());
                } else {
                    JsonOutput.line(pw, o);
                }
            }
        }
    }

    @Command(name = "upload", description = "Store a plugin after every load-time check: STAGED. Signed by the operator identity --as with --key.")
    static final class Upload extends Step {
        @Mixin
        PluginFiles files;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The --as operator's private key (ID.key from keygen).")
        Path key;

        @Override
        Object step(PluginStore store) {
            byte[] manifestJson = read(files.manifest, "manifest");
            io.backplane.plugin.api.PluginManifest m;
            try {
                m = io.backplane.plugin.host.ManifestCodec.parse(manifestJson);
            } catch (io.backplane.plugin.host.ManifestCodec.ManifestException e) {
                m = null; // the store refuses it with every reason, and audits the refusal
            }
            var auth = m == null ? new io.backplane.plugin.host.lifecycle.Authorization(actor, null)
                    : io.backplane.plugin.host.lifecycle.Authorization.sign(actor, io.backplane.plugin.host.lifecycle.Authorization.readKey(key), "upload", m.id(), m.version(), m.jarSha256());
            return store.upload(manifestJson, files.jar, auth);
        }
    }

    @Command(name = "approve", description = "STAGED -> APPROVED, signed by an operator identity whose key is not the uploader's.")
    static final class Approve extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "The --as operator's private key (ID.key from keygen).")
        Path key;

        @Override
        Object step(PluginStore store) {
            // The approver signs the digest of the jar the store holds, so the approval is of those exact bytes.
            String digest = store.find(id, version).map(PluginStore.Entry::jarSha256).orElse("");
            return store.approve(id, version, io.backplane.plugin.host.lifecycle.Authorization.sign(actor, io.backplane.plugin.host.lifecycle.Authorization.readKey(key), "approve", id, version, digest));
        }
    }

    @Command(name = "activate", description = "APPROVED -> PENDING, to become ACTIVE at a future epoch.")
    static final class Activate extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;
        @Option(names = "--epoch", required = true, paramLabel = "E") long epoch;
        @Option(names = "--current-epoch", required = true, paramLabel = "E") long current;

        @Override
        Object step(PluginStore store) {
            return store.scheduleActivation(id, version, epoch, current, actor);
        }
    }

    @Command(name = "epoch", description = "Local activation signal: epoch E began; pending plugins due by E become ACTIVE.")
    static final class Epoch extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "E") long epoch;

        @Override
        Object step(PluginStore store) {
            return store.onEpoch(epoch, actor);
        }
    }

    @Command(name = "veto", description = "PENDING -> VETOED.")
    static final class Veto extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;

        @Override
        Object step(PluginStore store) {
            return store.veto(id, version, actor);
        }
    }

    @Command(name = "rollback", description = "ACTIVE -> ROLLED_BACK; the version it replaced becomes ACTIVE again.")
    static final class Rollback extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        Object step(PluginStore store) {
            return store.rollback(id, actor);
        }
    }

    /** {@code plugins audit-verify}: checks the lifecycle audit log's chain and head anchor; exit 0 intact, 1 damaged. */
    @Command(name = "audit-verify", description = "Check the lifecycle audit log (plugins/audit.jsonl): edits, reordering and deletions, a deleted tail included (head anchor).")
    static final class AuditVerify extends NodeCommand {

        @Override
        public Integer call() {
            Path file = pluginsDir(home.resolve()).resolve("audit.jsonl");
            if (!Files.exists(file) && !Files.exists(HashChainedAuditLog.headFile(file))) {
                throw new IllegalArgumentException("no plugin audit log at " + file);
            }
            HashChainedAuditLog.Verification v = HashChainedAuditLog.checkFile(file);
            PrintWriter pw = spec.commandLine().getOut();
            if (json.enabled()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("intact", v.intact());
                out.put("entries", v.entries());
                out.put("headSeq", v.headSeq());
                out.put("unanchored", v.unanchored());
                out.put("problems", v.problems());
                JsonOutput.line(pw, v.intact() ? out : JsonOutput.failed(ExitCodes.FAILURE, "damaged: " + String.join("; ", v.problems()), out));
            } else {
                pw.println((v.intact() ? "INTACT " : "DAMAGED ") + file + ": " + v.entries() + " entries, head anchor at " + v.headSeq()
                        + (v.unanchored() > 0 ? " (" + v.unanchored() + " entry after it: re-anchored when the store next opens)" : ""));
                v.problems().forEach(p -> pw.println("  " + p));
            }
            return v.intact() ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    @Command(name = "retire", description = "STAGED, APPROVED, ACTIVE or SUPERSEDED -> RETIRED.")
    static final class Retire extends Step {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "ID") String id;
        @picocli.CommandLine.Parameters(index = "1", paramLabel = "VERSION") String version;

        @Override
        Object step(PluginStore store) {
            return store.retire(id, version, actor);
        }
    }
}
