package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import io.backplane.config.NodeHome;
import io.backplane.node.admin.NodeAdminViews;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apply}'s {@code plugins:} against a real home's plugin store behind the real admin server: a present plugin
 * is uploaded once (signed with the file's operator key) and kept whatever a second person does with it, a retired one
 * is retired once; what the store cannot do (bring back a retired version) is refused before anything changes, and a
 * manifest that is not the version the file names fails its step with the file's line.
 */
class ApplyPluginsTest {
    @TempDir
    Path dir;

    @Test
    void aPluginIsUploadedOnceKeptWhileApprovedAndRetiredOnce() throws Exception {
        PluginStoreFixture f = new PluginStoreFixture(dir, "carol", "dave");
        Path m = f.manifest("1.0.0");
        AdminViews views = new AdminViews(TestAdminServer.node(Map.of("id", "node0", "chainId", "c")), null, null,
                NodeAdminViews.pluginLifecycle(new NodeHome(f.home), List::of), TestAdminServer.audit(new ArrayList<>()), null);
        try (TestAdminServer api = new TestAdminServer(dir, views, Map.of("carol", Set.of(Role.PLUGIN_AUTHOR, Role.OPERATOR), "dave", Set.of(Role.APPROVER)))) {
            String ctx = api.context("carol").toString();
            Path box = dir.resolve("box.yaml");
            String present = "node: node0\nplugins:\n  kary-tree:\n    version: 1.0.0\n    jar: " + f.samples + "\n    manifest: " + m.getFileName()
                    + "\n    key: keys/carol.key\n";
            Files.writeString(box, present);

            JsonNode dry = apply(box, ctx, "--dry-run");
            assertThat(steps(dry)).containsExactly("keep node node0", "create plugin kary-tree 1.0.0");
            assertThat(state(api)).as("a dry run uploads nothing").isEmpty();
            assertThat(apply(box, ctx).path("applied").asInt()).isEqualTo(1);
            assertThat(state(api)).isEqualTo("STAGED");
            assertThat(apply(box, ctx).path("changes").asInt()).as("a second run changes nothing").isZero();

            // a second person approves; the file still only says the plugin is present: kept
            String digest = PluginStoreFixture.digest(m);
            assertThat(api.send("dave", "POST", "/v1/plugins/kary-tree/1.0.0/approve",
                    "{\"signature\":\"" + f.sign("dave", "approve", "1.0.0", digest) + "\"}").statusCode()).isEqualTo(200);
            assertThat(steps(apply(box, ctx))).containsExactly("keep node node0", "keep plugin kary-tree 1.0.0");

            Files.writeString(box, "node: node0\nplugins:\n  kary-tree:\n    version: 1.0.0\n    state: retired\n");
            JsonNode retired = apply(box, ctx);
            assertThat(steps(retired)).containsExactly("keep node node0", "change plugin kary-tree 1.0.0");
            assertThat(state(api)).isEqualTo("RETIRED");
            assertThat(apply(box, ctx).path("changes").asInt()).isZero();

            Files.writeString(box, present);
            InProcessCli.Result back = InProcessCli.run("apply", "-f", box.toString(), "--context", ctx);
            assertThat(back.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(back.err()).contains(box + ":3: plugins.kary-tree: kary-tree 1.0.0 is RETIRED on the node and never runs again");

            Files.writeString(box, present.replace("version: 1.0.0", "version: 1.0.1"));
            InProcessCli.Result wrong = InProcessCli.run("apply", "-f", box.toString(), "--context", ctx);
            assertThat(wrong.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(wrong.err()).contains(box + ":3: plugins.kary-tree: create plugin kary-tree 1.0.1 failed")
                    .contains("describes kary-tree 1.0.0, not kary-tree 1.0.1");
        }
    }

    private static JsonNode apply(Path box, String ctx, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("apply", "-f", box.toString(), "--context", ctx, "--json"));
        args.addAll(List.of(more));
        InProcessCli.Result r = InProcessCli.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        return JsonOutput.MAPPER.readTree(r.out());
    }

    private static List<String> steps(JsonNode doc) {
        List<String> out = new ArrayList<>();
        doc.path("plan").forEach(s -> out.add(s.path("action").asText() + " " + s.path("kind").asText() + " " + s.path("name").asText()));
        return out;
    }

    private static String state(TestAdminServer api) throws Exception {
        return JsonOutput.MAPPER.readTree(api.send("carol", "GET", "/v1/plugins", null).body()).path("plugins").path(0).path("state").asText();
    }
}
