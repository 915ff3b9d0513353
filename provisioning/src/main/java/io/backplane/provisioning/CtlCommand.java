package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.provisioning.cluster.AdminClient;
import io.backplane.provisioning.cluster.AdminContext;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code backplane ctl}: thin commands over a node's admin API. The endpoint, the certificate to pin and the token
 * file come from a context file ({@code --context}, else {@code $BACKPLANE_CONTEXT}, else the default cluster's
 * {@code ~/.backplane/cluster/context.json} that {@code up} writes); {@code --node} picks a node of it. {@code --json}
 * prints the API's answer as it came. Exit 0 on success, 3 when the API refused the credentials (401, 403, 429),
 * 1 on any other error (the API's message printed).
 */
@Command(name = "ctl", description = "Manage a running node through its admin API (HTTPS): status, health, keys, plugins, flags, audit.",
        subcommands = {CtlCommand.Status.class, CtlCommand.Health.class, CtlCommand.Keys.class, CtlCommand.Plugins.class,
                CtlCommand.Flags.class, CtlCommand.Bench.class, CtlCommand.Audit.class})
final class CtlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw BackplaneCommand.missingSubcommand(spec);
    }

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        JsonOutput json;

        @Option(names = "--context", paramLabel = "FILE", description = "The admin context file (default: $BACKPLANE_CONTEXT, else ~/.backplane/cluster/context.json).")
        Path context;

        @Option(names = "--node", paramLabel = "ID", description = "The node of the context (default: its current one).")
        String node;

        abstract HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException;

        /** What a successful answer prints (and, for a command that keeps it, where it is kept first): the answer itself. */
        JsonNode shown(JsonNode answer) throws IOException {
            return answer;
        }

        @Override
        public Integer call() throws Exception {
            Path file = AdminContext.locate(context);
            AdminContext.Entry e;
            String token;
            try {
                e = AdminContext.read(file, node);
                token = AdminContext.token(e, file);
            } catch (IOException x) {
                throw CommandFailure.failure(x.getMessage());
            }
            HttpResponse<String> r;
            try {
                r = request(new AdminClient(e.url(), e.certificate()), token);
            } catch (IOException x) {
                throw CommandFailure.failure("cannot reach the admin API at " + e.url() + ": " + (x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage()));
            }
            JsonNode doc;
            try {
                doc = JsonOutput.MAPPER.readTree(r.body());
            } catch (IOException x) {
                throw CommandFailure.failure(e.url() + " answered " + r.statusCode() + " with a body that is not JSON");
            }
            int s = r.statusCode();
            if (s == 401 || s == 403 || s == 429) {
                spec.commandLine().getErr().println("ctl: " + e.url() + " refused: " + s + " " + doc.path("error").asText());
                return ExitCodes.REFUSED;
            }
            if (s >= 400 && !(s == 503 && doc.has("checks"))) {
                throw CommandFailure.failure(e.url() + " answered " + s + ": " + doc.path("error").asText(r.body()));
            }
            if (s < 300) {
                doc = shown(doc);
            }
            if (json.enabled()) {
                JsonOutput.line(spec.commandLine().getOut(), doc);
            } else {
                spec.commandLine().getOut().println(JsonOutput.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc));
                spec.commandLine().getOut().flush();
            }
            return s == 503 || "failed".equals(doc.path("state").asText()) ? ExitCodes.FAILURE : ExitCodes.OK;
        }
    }

    @Command(name = "status", description = "Height, round, leader, peers, committed tx/s, crypto backend, sync state (GET /v1/status).")
    static final class Status extends Base {
        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("GET", "/v1/status", token, null);
        }
    }

    @Command(name = "health", description = "Whether the node can sign now, part by part (GET /health/ready; exit 1 when not ready).")
    static final class Health extends Base {
        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("GET", "/health/ready", null, null);
        }
    }

    @Command(name = "keys", description = "The token's keys (GET /v1/keys); --guard-history: the double-sign guard's history; export and import sealed keys.",
            subcommands = {KeysExport.class, KeysImport.class})
    static final class Keys extends Base {
        @Option(names = "--guard-history", description = "Print the guard history instead (GET /v1/keys/guard-history).")
        boolean guardHistory;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("GET", guardHistory ? "/v1/keys/guard-history" : "/v1/keys", token, null);
        }
    }

    @Command(name = "export", description = "Write a BLS key's sealed export (with its guard history) to a new file (POST /v1/keys/ID/export; "
            + "the key the node signs with is refused while it runs).")
    static final class KeysExport extends Base {
        @Parameters(index = "0", paramLabel = "KEY", description = "A BLS key id (bls-...).")
        String key;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The file to write (must not exist).")
        Path out;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            if (java.nio.file.Files.exists(out)) {
                throw CommandFailure.failure(out + " exists; an export is written to a new file only");
            }
            return api.send("POST", "/v1/keys/" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "/export", token, null);
        }

        @Override
        JsonNode shown(JsonNode answer) throws IOException {
            java.nio.file.Files.writeString(out, JsonOutput.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(answer), java.nio.file.StandardOpenOption.CREATE_NEW);
            return JsonOutput.MAPPER.valueToTree(Map.of("id", key, "out", out.toString()));
        }
    }

    @Command(name = "import", description = "Import a sealed key export (from `keys export` or `ctl keys export`) into the node's token (POST /v1/keys/import).")
    static final class KeysImport extends Base {
        @Parameters(index = "0", paramLabel = "FILE", description = "The export file.")
        Path file;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("POST", "/v1/keys/import", token, readFile(file, "key export"));
        }
    }

    @Command(name = "plugins", description = "The node's plugins with their state (GET /v1/plugins); upload, approve, veto and retire them.",
            subcommands = {PluginUpload.class, PluginApprove.class, PluginVeto.class, PluginRetire.class})
    static final class Plugins extends Base {
        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("GET", "/v1/plugins", token, null);
        }
    }

    /** The plugin version a lifecycle step names: ID VERSION. */
    static final class PluginVersion {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        String path(String step) {
            return "/v1/plugins/" + URLEncoder.encode(id, StandardCharsets.UTF_8) + "/" + URLEncoder.encode(version, StandardCharsets.UTF_8) + "/" + step;
        }
    }

    /** The operator key (ID.key from plugins keygen) that signs a lifecycle step; its id must be the token's principal name. */
    abstract static class SignedStep extends Base {
        @Option(names = "--key", required = true, paramLabel = "FILE", description = "Your operator key (ID.key from plugins keygen; ID must be your token's name).")
        Path key;

        String signature(String action, String id, String version, String jarSha256) {
            java.security.PrivateKey k = io.backplane.plugin.host.lifecycle.Authorization.readKey(key);
            return java.util.HexFormat.of().formatHex(io.backplane.plugin.host.lifecycle.Authorization.sign("", k, action, id, version, jarSha256).signature());
        }
    }

    @Command(name = "upload", description = "Upload a plugin to the node's store, signed with your operator key (POST /v1/plugins): STAGED.")
    static final class PluginUpload extends SignedStep {
        @Option(names = "--jar", required = true, paramLabel = "FILE")
        Path jar;

        @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "Its manifest (plugins manifest).")
        Path manifest;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            byte[] m = PluginInputs.read(manifest, "manifest");
            byte[] j = PluginInputs.read(jar, "jar");
            io.backplane.plugin.api.PluginManifest parsed;
            try {
                parsed = io.backplane.plugin.host.ManifestCodec.parse(m);
            } catch (io.backplane.plugin.host.ManifestCodec.ManifestException e) {
                throw CommandFailure.plugin(manifest + ": " + e.getMessage());
            }
            java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
            return api.send("POST", "/v1/plugins", token, JsonOutput.MAPPER.writeValueAsString(Map.of("manifest", b64.encodeToString(m),
                    "jar", b64.encodeToString(j), "signature", signature("upload", parsed.id(), parsed.version(), parsed.jarSha256()))));
        }
    }

    @Command(name = "approve", description = "Approve a staged plugin version, signing the digest of the jar you reviewed (POST /v1/plugins/ID/VERSION/approve).")
    static final class PluginApprove extends SignedStep {
        @Mixin
        PluginVersion plugin;

        @Option(names = "--jar", required = true, paramLabel = "FILE", description = "The jar you reviewed: its SHA-256 is what you approve (the node refuses another).")
        Path jar;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            String digest;
            try {
                digest = io.backplane.plugin.host.PluginVerifier.sha256Hex(jar);
            } catch (IOException e) {
                throw CommandFailure.failure("cannot read the jar " + jar + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            }
            return api.send("POST", plugin.path("approve"), token,
                    JsonOutput.MAPPER.writeValueAsString(Map.of("signature", signature("approve", plugin.id, plugin.version, digest))));
        }
    }

    @Command(name = "veto", description = "Veto a pending activation (POST /v1/plugins/ID/VERSION/veto).")
    static final class PluginVeto extends Base {
        @Mixin
        PluginVersion plugin;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("POST", plugin.path("veto"), token, null);
        }
    }

    @Command(name = "retire", description = "Retire a plugin version (POST /v1/plugins/ID/VERSION/retire).")
    static final class PluginRetire extends Base {
        @Mixin
        PluginVersion plugin;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("POST", plugin.path("retire"), token, null);
        }
    }

    private static String readFile(Path f, String what) {
        try {
            return java.nio.file.Files.readString(f);
        } catch (IOException e) {
            throw CommandFailure.failure("cannot read the " + what + " " + f + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }

    @Command(name = "flags", description = "The node's plugin flags (GET /v1/flags); with PLUGIN on|off, set one (PUT /v1/flags/PLUGIN, audited).")
    static final class Flags extends Base {
        @Parameters(index = "0", arity = "0..1", paramLabel = "PLUGIN", description = "A plugin id.")
        String plugin;

        @Parameters(index = "1", arity = "0..1", paramLabel = "on|off")
        String state;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            if (plugin == null) {
                return api.send("GET", "/v1/flags", token, null);
            }
            if (state == null || !(state.equals("on") || state.equals("off"))) {
                throw CommandFailure.usage("ctl flags " + plugin + " needs on or off");
            }
            return api.send("PUT", "/v1/flags/" + URLEncoder.encode(plugin, StandardCharsets.UTF_8), token,
                    JsonOutput.MAPPER.writeValueAsString(Map.of("enabled", state.equals("on"))));
        }
    }

    @Command(name = "bench", description = "Start an accelerator-vs-CPU benchmark on the node (POST /v1/bench; refused while one runs or the node is not ready), or show a job (--job ID).")
    static final class Bench extends Base {
        @Option(names = "--ops", split = ",", paramLabel = "OP[,OP...]", defaultValue = "sha256",
                description = "sha256, merkle, vdf-verify, ed25519-verify, bls-aggregate, bls-aggregate-pubkeys, bls-batch-verify (default: ${DEFAULT-VALUE}).")
        List<String> ops;

        @Option(names = "--max-point-ms", paramLabel = "MS", defaultValue = "200", description = "At most this long per measured point, 10..2000 (default: ${DEFAULT-VALUE}).")
        int maxPointMs;

        @Option(names = "--job", paramLabel = "ID", description = "Show this job (GET /v1/bench/ID) instead of starting one.")
        String job;

        @Option(names = "--wait", description = "After starting, poll the job every second until it is done or failed, then print it.")
        boolean await;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            if (job != null) {
                return api.send("GET", "/v1/bench/" + URLEncoder.encode(job, StandardCharsets.UTF_8), token, null);
            }
            HttpResponse<String> started = api.send("POST", "/v1/bench", token, JsonOutput.MAPPER.writeValueAsString(Map.of("ops", ops, "maxPointMs", maxPointMs)));
            if (!await || started.statusCode() != 202) {
                return started;
            }
            String id = JsonOutput.MAPPER.readTree(started.body()).path("id").asText();
            while (true) {
                HttpResponse<String> now = api.send("GET", "/v1/bench/" + id, token, null);
                if (now.statusCode() != 200 || !"running".equals(JsonOutput.MAPPER.readTree(now.body()).path("state").asText())) {
                    return now;
                }
                Thread.sleep(1000);
            }
        }
    }

    @Command(name = "audit", description = "Page through the audit log (GET /v1/audit); --verify: check its hash chain, checkpoints and anchor.")
    static final class Audit extends Base {
        @Option(names = "--from", paramLabel = "N", defaultValue = "0", description = "The first entry (default: ${DEFAULT-VALUE}).")
        long from;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most this many entries, 1..500 (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--verify", description = "Verify the log instead (GET /v1/audit/verify).")
        boolean verify;

        @Override
        HttpResponse<String> request(AdminClient api, String token) throws IOException, InterruptedException {
            return api.send("GET", verify ? "/v1/audit/verify" : "/v1/audit?from=" + from + "&limit=" + limit, token, null);
        }
    }
}
