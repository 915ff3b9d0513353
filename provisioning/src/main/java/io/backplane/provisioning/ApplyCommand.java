package io.backplane.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.provisioning.apply.Applier;
import io.backplane.provisioning.apply.BoxFile;
import io.backplane.provisioning.apply.Plan;
import io.backplane.provisioning.cluster.AdminClient;
import io.backplane.provisioning.cluster.AdminContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backplane apply -f box.yaml}: provisions one box from a declarative file through its admin API. It reads the
 * node's state, prints the plan (create / change / keep / delete), applies the changes one request at a time, and a
 * second run changes nothing. The node is the file's {@code node:}, looked up in the admin context ({@code --context},
 * else {@code $BACKPLANE_CONTEXT}, else the default cluster's). Exit 0 applied or nothing to do; 1 a bad file (file,
 * line, key named), a difference the API cannot change, or a step the node refused (what went before it stays applied;
 * a re-run completes it); 3 credentials refused (401, 403, 429).
 */
@Command(name = "apply", description = "Provision a box from a declarative file through its admin API: print the plan (create/change/keep/delete), apply it; a second run changes nothing.")
final class ApplyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    JsonOutput json;

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The box file (YAML): node, chain, keys, flags, plugins.")
    Path file;

    @Option(names = "--dry-run", description = "Print the plan and change nothing.")
    boolean dryRun;

    @Option(names = "--context", paramLabel = "FILE", description = "The admin context file (default: $BACKPLANE_CONTEXT, else ~/.backplane/cluster/context.json).")
    Path context;

    @Override
    public Integer call() throws Exception {
        BoxFile box;
        try {
            box = BoxFile.read(file);
        } catch (BoxFile.Invalid e) {
            throw CommandFailure.failure(e.getMessage());
        }
        Path ctx = AdminContext.locate(context);
        AdminContext.Entry entry;
        String token;
        try {
            entry = AdminContext.read(ctx, box.node().value());
            token = AdminContext.token(entry, ctx);
        } catch (IOException e) {
            throw CommandFailure.failure(box.name() + ":" + box.node().line() + ": node: " + e.getMessage());
        }
        Applier.Api api = api(new AdminClient(entry.url(), entry.certificate()), token, entry.url());
        Plan plan;
        try {
            plan = Plan.of(box, Applier.read(box, api));
        } catch (Applier.Answered e) {
            if (e.credentialsRefused()) {
                return refused(e, entry.url(), "reading the node's state");
            }
            throw CommandFailure.failure(entry.url() + " could not be read (" + e.getMessage() + "); nothing was changed");
        } catch (IOException e) {
            throw CommandFailure.failure(e.getMessage() + "; nothing was changed");
        } catch (BoxFile.Invalid e) {
            throw CommandFailure.failure(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!json.enabled()) {
            out.printf("%s -> %s at %s%n", box.name(), box.node().value(), entry.url());
            for (Plan.Step s : plan.steps()) {
                out.printf("  %-7s %-5s %s: %s%n", s.action(), s.kind(), s.name(), s.detail());
            }
            out.printf("plan: %d to create, %d to change, %d to delete, %d kept%n", plan.count(Plan.CREATE), plan.count(Plan.CHANGE),
                    plan.count(Plan.DELETE), plan.count(Plan.KEEP));
            out.flush();
        }
        int applied = 0;
        if (!dryRun && !plan.changes().isEmpty()) {
            try {
                applied = Applier.apply(box, plan, api, s -> {
                    if (!json.enabled()) {
                        out.printf("  applied %s %s %s%n", s.action(), s.kind(), s.name());
                        out.flush();
                    }
                });
            } catch (Applier.StepFailed e) {
                Plan.Step s = e.step();
                if (e.getCause() instanceof Applier.Answered a && a.credentialsRefused()) {
                    return refused(a, entry.url(), s.action() + " " + s.kind() + " " + s.name());
                }
                throw CommandFailure.failure(box.name() + ":" + s.line() + ": " + s.key() + ": " + s.action() + " " + s.kind() + " " + s.name()
                        + " failed: " + e.getMessage() + "; " + e.applied() + " of " + plan.changes().size()
                        + " changes were applied before it (run apply again to complete the rest)");
            }
        }
        if (json.enabled()) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("file", box.name());
            doc.put("node", box.node().value());
            doc.put("url", entry.url());
            doc.put("dryRun", dryRun);
            doc.put("plan", plan.steps().stream().map(ApplyCommand::step).toList());
            doc.put("changes", plan.changes().size());
            doc.put("applied", applied);
            JsonOutput.line(out, doc);
        } else {
            out.println(dryRun ? "dry run: nothing changed" : plan.changes().isEmpty() ? "no changes: the box is as the file says" : "applied " + applied + " changes");
            out.flush();
        }
        return ExitCodes.OK;
    }

    private static Map<String, Object> step(Plan.Step s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", s.action());
        m.put("kind", s.kind());
        m.put("name", s.name());
        m.put("detail", s.detail());
        m.put("line", s.line());
        m.put("key", s.key());
        return m;
    }

    private static int refused(Applier.Answered e, String url, String doing) {
        throw new CommandFailure(ExitCodes.REFUSED, url + " refused the credentials (" + doing + "): " + e.getMessage());
    }

    /** The admin API over a pinned connection: a JSON answer, or {@link Applier.Answered} naming the status and the API's message. */
    static Applier.Api api(AdminClient client, String token, String url) {
        return (method, path, body) -> {
            HttpResponse<String> r;
            try {
                r = client.send(method, path, token, body);
            } catch (IOException e) {
                throw new IOException("cannot reach the admin API at " + url + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
            }
            JsonNode doc;
            try {
                doc = JsonOutput.MAPPER.readTree(r.body());
            } catch (IOException e) {
                doc = null;
            }
            if (doc == null || doc.isMissingNode()) {
                throw new IOException(method + " " + path + " at " + url + " answered " + r.statusCode() + " with a body that is not JSON");
            }
            if (r.statusCode() >= 300) {
                throw new Applier.Answered(r.statusCode(), doc.path("error").asText(r.body()) + " (" + method + " " + path + ")");
            }
            return doc;
        };
    }
}
