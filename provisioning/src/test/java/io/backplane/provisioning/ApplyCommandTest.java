package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.FlagsView;
import io.backplane.admin.model.KeysView;
import io.backplane.admin.model.NodeView;
import io.backplane.admin.model.Refused;
import io.backplane.admin.model.Role;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apply -f box.yaml} end to end over the real admin server (TLS on loopback, the certificate pinned from a
 * context file, a hashed token file, requests validated against the OpenAPI description, every change audited): the
 * plan, a second run that changes nothing, a dry run that changes nothing, a step the node refuses halfway and the
 * re-run that completes it, refused credentials, and a file naming another node. The node behind the server is held
 * in memory here (its keys a counter, its flags a map); the same command against a real node's token and flag file
 * runs in ClusterIT.
 */
class ApplyCommandTest {
    @TempDir
    Path dir;

    private final Map<String, Boolean> flags = new TreeMap<>(Map.of("old-plugin", true, "round-robin", false));
    private final List<String> keys = new CopyOnWriteArrayList<>(List.of("ec-p256", "bls12-381"));
    private final List<String> audit = new CopyOnWriteArrayList<>();
    /** When positive, the n-th BLS generation from now fails (the token refusing, say). */
    private final AtomicInteger failGenerationAt = new AtomicInteger();
    private TestAdminServer server;
    private Path context;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void start() throws Exception {
        server = new TestAdminServer(dir, views(), Map.of("operator", Set.of(Role.OPERATOR), "auditor", Set.of(Role.AUDITOR)));
        context = server.context("operator");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Path box(String text) throws Exception {
        Path f = dir.resolve("box.yaml");
        Files.writeString(f, text);
        return f;
    }

    private static final String BOX = """
            node: node0
            chain: test-chain
            keys:
              identity: present
              bls: 3
            flags:
              round-robin: on
              validator: off
            """;

    private JsonNode applyJson(Path box, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("apply", "-f", box.toString(), "--context", context.toString(), "--json"));
        args.addAll(List.of(more));
        Run r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return JsonOutput.MAPPER.readTree(r.out());
    }

    private static List<String> actions(JsonNode doc) {
        List<String> out = new ArrayList<>();
        doc.path("plan").forEach(s -> out.add(s.path("action").asText() + " " + s.path("kind").asText() + " " + s.path("name").asText()));
        return out;
    }

    @Test
    void thePlanIsPrintedAppliedOnceAndASecondRunChangesNothing() throws Exception {
        Path box = box(BOX);
        JsonNode dry = applyJson(box, "--dry-run");
        assertThat(actions(dry)).containsExactly("keep node node0", "keep chain test-chain", "keep key identity", "create key bls12-381",
                "create key bls12-381", "change flag round-robin", "create flag validator", "delete flag old-plugin");
        assertThat(dry.path("changes").asInt()).isEqualTo(5);
        assertThat(dry.path("applied").asInt()).isZero();
        assertThat(keys).as("a dry run changes nothing").hasSize(2);
        assertThat(flags).containsExactlyEntriesOf(new TreeMap<>(Map.of("old-plugin", true, "round-robin", false)));
        assertThat(dry.path("plan").get(5).path("line").asInt()).as("each step names its line").isEqualTo(7);

        JsonNode first = applyJson(box);
        assertThat(first.path("applied").asInt()).isEqualTo(5);
        assertThat(keys).filteredOn("bls12-381"::equals).hasSize(3);
        assertThat(flags).containsExactlyEntriesOf(new TreeMap<>(Map.of("round-robin", true, "validator", false)));
        assertThat(audit).as("every change went through the API, audited").contains("operator keys.generate-bls ok", "operator flag.set ok", "operator flag.clear ok");

        int audited = audit.size();
        JsonNode second = applyJson(box);
        assertThat(second.path("changes").asInt()).isZero();
        assertThat(second.path("applied").asInt()).isZero();
        assertThat(actions(second)).allMatch(a -> a.startsWith("keep "));
        assertThat(audit).as("a second run asks for no change").hasSize(audited);

        Run human = run("apply", "-f", box.toString(), "--context", context.toString());
        assertThat(human.code()).isZero();
        assertThat(human.out()).contains("keep    flag  round-robin: on").contains("plan: 0 to create, 0 to change, 0 to delete")
                .contains("no changes: the box is as the file says");
    }

    @Test
    void aStepRefusedHalfwayLeavesWhatWentBeforeAndARerunCompletesIt() throws Exception {
        Path box = box(BOX);
        failGenerationAt.set(2); // the second of the two missing keys fails
        Run failed = run("apply", "-f", box.toString(), "--context", context.toString());
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.err()).contains(box + ":5: keys.bls: create key bls12-381 failed: 500")
                .contains("1 of 5 changes were applied before it (run apply again to complete the rest)");
        assertThat(failed.out()).contains("applied create key bls12-381");
        assertThat(keys).filteredOn("bls12-381"::equals).hasSize(2);
        assertThat(flags).as("nothing after the failed step was applied").containsEntry("round-robin", false).containsKey("old-plugin");

        JsonNode rerun = applyJson(box);
        assertThat(actions(rerun)).containsExactly("keep node node0", "keep chain test-chain", "keep key identity", "create key bls12-381",
                "change flag round-robin", "create flag validator", "delete flag old-plugin");
        assertThat(rerun.path("applied").asInt()).isEqualTo(4);
        assertThat(keys).filteredOn("bls12-381"::equals).hasSize(3);
        assertThat(applyJson(box).path("changes").asInt()).isZero();
    }

    @Test
    void aFlagTheNodeRefusesIsNamedByLineAndKey() throws Exception {
        Path box = box("node: node0\nflags:\n  round-robin: on\n  not-here: on\n");
        Run r = run("apply", "-f", box.toString(), "--context", context.toString(), "--json");
        assertThat(r.code()).isEqualTo(1);
        JsonNode err = JsonOutput.MAPPER.readTree(r.out());
        assertThat(err.path("error").path("message").asText()).contains(box + ":4: flags.not-here: create flag not-here failed: 404")
                .contains("no plugin 'not-here'");
        assertThat(err.path("error").path("code").asInt()).isEqualTo(1);
    }

    @Test
    void whatTheApiCannotChangeAndRefusedCredentialsChangeNothing() throws Exception {
        record Case(String text, String says) {
        }
        for (Case c : List.of(
                new Case("node: node0\nchain: other-chain\nkeys:\n  bls: 9\n", ":2: chain: the node is on chain 'test-chain', not 'other-chain'"),
                new Case("node: node1\nkeys:\n  bls: 9\n", ":1: node: ")
        )) {
            Run r = run("apply", "-f", box(c.text()).toString(), "--context", context.toString());
            assertThat(r.code()).as(c.text()).isEqualTo(1);
            assertThat(r.err()).as(c.text()).contains(c.says());
        }
        Run auditor = run("apply", "-f", box(BOX).toString(), "--context", server.context("auditor").toString(), "--json");
        assertThat(auditor.code()).as(auditor.out() + auditor.err()).isEqualTo(3);
        assertThat(JsonOutput.MAPPER.readTree(auditor.out()).path("error").path("message").asText()).contains("403");

        keys.remove("ec-p256");
        Run noIdentity = run("apply", "-f", box("node: node0\nkeys:\n  identity: present\n  bls: 9\n").toString(), "--context", context.toString());
        assertThat(noIdentity.code()).isEqualTo(1);
        assertThat(noIdentity.err()).contains(":3: keys.identity: the token has no identity key").contains("keys init");
        assertThat(keys).containsExactly("bls12-381");
        assertThat(auditor.out()).contains("refused the credentials (create key bls12-381)");
        assertThat(flags).containsOnlyKeys("old-plugin", "round-robin");
        assertThat(audit).as("no change was even requested").isEmpty();
    }

    /** The node as the admin server sees it, in memory: status, keys, flags; the audit as a list. */
    private AdminViews views() {
        NodeView node = TestAdminServer.node(Map.of("id", "node0", "chainId", "test-chain", "height", 7));
        KeysView keysView = new KeysView() {
            @Override
            public List<Map<String, Object>> keys() {
                List<Map<String, Object>> out = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    out.add(Map.of("id", "k" + i, "type", keys.get(i), "publicKey", "00"));
                }
                return out;
            }

            @Override
            public Map<String, Object> guardHistory() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, Object> generateBls() {
                if (failGenerationAt.get() > 0 && failGenerationAt.decrementAndGet() == 0) {
                    throw new IllegalStateException("the token did not answer");
                }
                keys.add("bls12-381");
                return Map.of("id", "k" + (keys.size() - 1), "type", "bls12-381", "publicKey", "00");
            }

            @Override
            public Map<String, Object> importGuardHistory(String json) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, Object> exportSealed(String id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, Object> importSealed(String json) {
                throw new UnsupportedOperationException();
            }
        };
        FlagsView flagsView = new FlagsView() {
            @Override
            public synchronized Map<String, Object> flags() {
                Map<String, Object> out = new LinkedHashMap<>();
                flags.forEach((k, v) -> out.put(k, Map.of("enabled", v)));
                return out;
            }

            @Override
            public synchronized Map<String, Object> set(String pluginId, boolean enabled) {
                if (!Set.of("round-robin", "validator", "old-plugin").contains(pluginId)) {
                    throw new Refused(404, "no plugin '" + pluginId + "' on this node");
                }
                flags.put(pluginId, enabled);
                return Map.of("plugin", pluginId, "enabled", enabled);
            }

            @Override
            public synchronized Map<String, Object> clear(String pluginId) {
                return Map.of("plugin", pluginId, "cleared", flags.remove(pluginId) != null);
            }
        };
        return new AdminViews(node, keysView, flagsView, null, TestAdminServer.audit(audit), null);
    }
}
