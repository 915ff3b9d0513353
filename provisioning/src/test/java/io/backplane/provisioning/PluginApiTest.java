package io.backplane.provisioning;

import static io.backplane.provisioning.InProcessCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Role;
import io.backplane.config.NodeHome;
import io.backplane.node.admin.NodeAdminViews;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin lifecycle over the admin API on a real home's plugin store (the node's own view, NodeAdminViews): a
 * plugin signed by a trusted author is uploaded by a plugin author who signs the upload with their operator key,
 * approved by another principal with another key, vetoed once pending, retired; and every way around it is refused
 * with the store's reason and changes nothing: the uploader approving, an approver signing with the uploader's key, a
 * forged or replayed signature, a token without the role, a name the node does not trust.
 */
class PluginApiTest {
    @TempDir
    Path dir;

    @Test
    void aPluginIsUploadedApprovedVetoedAndRetiredOnlyByTheRightPrincipalsWithTheirOwnKeys() throws Exception {
        PluginStoreFixture f = new PluginStoreFixture(dir, "carol", "dave", "olga");
        Path home = f.home;
        Path m1 = f.manifest("1.0.0");
        Path m2 = f.manifest("1.0.1");
        String digest = PluginStoreFixture.digest(m1);

        List<String> audit = new CopyOnWriteArrayList<>();
        AdminViews views = new AdminViews(null, null, null, NodeAdminViews.pluginLifecycle(new NodeHome(home), List::of), TestAdminServer.audit(audit), null);
        try (TestAdminServer api = new TestAdminServer(dir, views, Map.of(
                "carol", Set.of(Role.PLUGIN_AUTHOR, Role.APPROVER), "dave", Set.of(Role.APPROVER), "olga", Set.of(Role.OPERATOR),
                "mallory", Set.of(Role.PLUGIN_AUTHOR, Role.APPROVER)))) {
            String upload = f.upload(m1, f.sign("carol", "upload", "1.0.0", digest));
            // a token without the role, a signature by another key, a name with no operator key: refused, nothing stored
            assertThat(api.send("dave", "POST", "/v1/plugins", upload).statusCode()).isEqualTo(403);
            HttpResponse<String> forged = api.send("carol", "POST", "/v1/plugins", f.upload(m1, f.sign("dave", "upload", "1.0.0", digest)));
            assertThat(forged.statusCode()).isEqualTo(409);
            assertThat(forged.body()).contains("the signature of carol does not verify");
            HttpResponse<String> stranger = api.send("mallory", "POST", "/v1/plugins", upload);
            assertThat(stranger.statusCode()).isEqualTo(409);
            assertThat(stranger.body()).contains("mallory is not a trusted operator of this node");
            HttpResponse<String> otherJar = api.send("carol", "POST", "/v1/plugins", "{\"manifest\":\"" + PluginStoreFixture.b64(Files.readAllBytes(m1)) + "\",\"jar\":\""
                    + PluginStoreFixture.b64("not the jar".getBytes()) + "\",\"signature\":\"" + f.sign("carol", "upload", "1.0.0", digest) + "\"}");
            assertThat(otherJar.statusCode()).isEqualTo(409);
            assertThat(otherJar.body()).contains("refused at upload");
            assertThat(states(api)).isEmpty();

            HttpResponse<String> staged = api.send("carol", "POST", "/v1/plugins", upload);
            assertThat(staged.statusCode()).as(staged.body()).isEqualTo(201);
            assertThat(JsonOutput.MAPPER.readTree(staged.body()).path("state").asText()).isEqualTo("STAGED");
            assertThat(JsonOutput.MAPPER.readTree(staged.body()).path("uploader").asText()).isEqualTo("carol");
            assertThat(api.send("carol", "POST", "/v1/plugins", upload).statusCode()).as("the same version again").isEqualTo(409);

            String approve = "/v1/plugins/kary-tree/1.0.0/approve";
            HttpResponse<String> own = api.send("carol", "POST", approve, approval(f.sign("carol", "approve", "1.0.0", digest)));
            assertThat(own.statusCode()).isEqualTo(409);
            assertThat(own.body()).contains("the uploader carol cannot approve their own plugin");
            HttpResponse<String> uploadersKey = api.send("dave", "POST", approve, approval(f.sign("carol", "approve", "1.0.0", digest)));
            assertThat(uploadersKey.statusCode()).isEqualTo(409);
            assertThat(uploadersKey.body()).contains("the signature of dave does not verify");
            HttpResponse<String> otherStep = api.send("dave", "POST", approve, approval(f.sign("dave", "upload", "1.0.0", digest)));
            assertThat(otherStep.statusCode()).as("an upload signature is no approval").isEqualTo(409);
            assertThat(api.send("dave", "POST", "/v1/plugins/kary-tree/9.9.9/approve", approval(f.sign("dave", "approve", "9.9.9", digest)))
                    .statusCode()).isEqualTo(404);
            assertThat(states(api)).containsExactly("kary-tree 1.0.0 STAGED");

            String daveApproval = approval(f.sign("dave", "approve", "1.0.0", digest));
            HttpResponse<String> approved = api.send("dave", "POST", approve, daveApproval);
            assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
            assertThat(JsonOutput.MAPPER.readTree(approved.body()).path("approver").asText()).isEqualTo("dave");
            HttpResponse<String> replayed = api.send("dave", "POST", approve, daveApproval);
            assertThat(replayed.statusCode()).isEqualTo(409);
            assertThat(replayed.body()).contains("it is APPROVED");

            // a veto needs a pending activation: none yet (409); the CLI schedules one on the same store, the API vetoes it
            assertThat(api.send("dave", "POST", "/v1/plugins/kary-tree/1.0.0/veto", null).statusCode()).isEqualTo(409);
            assertThat(run("plugins", "activate", "kary-tree", "1.0.0", "--epoch", "5", "--current-epoch", "4", "--as", "dave", "--home", home.toString())
                    .code()).isZero();
            assertThat(states(api)).containsExactly("kary-tree 1.0.0 PENDING");
            assertThat(api.send("olga", "POST", "/v1/plugins/kary-tree/1.0.0/veto", null).statusCode()).as("an operator vetoes nothing").isEqualTo(403);
            assertThat(api.send("dave", "POST", "/v1/plugins/kary-tree/1.0.0/veto", null).statusCode()).isEqualTo(200);

            String digest2 = PluginStoreFixture.digest(m2);
            assertThat(api.send("carol", "POST", "/v1/plugins", f.upload(m2, f.sign("carol", "upload", "1.0.1", digest2))).statusCode()).isEqualTo(201);
            assertThat(api.send("dave", "POST", "/v1/plugins/kary-tree/1.0.1/retire", null).statusCode()).as("an approver retires nothing").isEqualTo(403);
            assertThat(api.send("olga", "POST", "/v1/plugins/kary-tree/1.0.1/retire", null).statusCode()).isEqualTo(200);
            assertThat(states(api)).containsExactly("kary-tree 1.0.0 VETOED", "kary-tree 1.0.1 RETIRED");
            assertThat(Files.list(home.resolve("plugins")).map(p -> p.getFileName().toString())).as("no uploaded jar left outside the store")
                    .noneMatch(n -> n.startsWith("upload-"));

            // the store's own hash-chained log holds every step, and it verifies
            InProcessCli.Result verified = run("plugins", "audit-verify", "--home", home.toString(), "--json");
            assertThat(verified.code()).as(verified.out() + verified.err()).isZero();
        }
        assertThat(audit).contains("carol plugin.upload ok", "dave plugin.approve ok", "dave plugin.veto ok", "olga plugin.retire ok",
                "carol plugin.approve refused", "mallory plugin.upload refused");
    }

    @Test
    void theCtlCommandsDriveTheSameStepsFromFiles() throws Exception {
        PluginStoreFixture f = new PluginStoreFixture(dir, "carol", "dave", "olga");
        Path m = f.manifest("1.0.0");
        AdminViews views = new AdminViews(null, null, null, NodeAdminViews.pluginLifecycle(new NodeHome(f.home), List::of),
                TestAdminServer.audit(new CopyOnWriteArrayList<>()), null);
        try (TestAdminServer api = new TestAdminServer(dir, views, Map.of("carol", Set.of(Role.PLUGIN_AUTHOR), "dave", Set.of(Role.APPROVER),
                "olga", Set.of(Role.OPERATOR)))) {
            String key = f.keys.toString() + "/";
            InProcessCli.Result up = run("ctl", "plugins", "upload", "--jar", f.samples.toString(), "--manifest", m.toString(), "--key", key + "carol.key",
                    "--context", api.context("carol").toString(), "--json");
            assertThat(up.code()).as(up.out() + up.err()).isZero();
            assertThat(up.json().path("state").asText()).isEqualTo("STAGED");
            // the approver signs the digest of the jar they reviewed: another jar's approval is refused by the node
            InProcessCli.Result other = run("ctl", "plugins", "approve", "kary-tree", "1.0.0", "--jar", m.toString(), "--key", key + "dave.key",
                    "--context", api.context("dave").toString());
            assertThat(other.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(other.err()).contains("409").contains("does not verify");
            InProcessCli.Result approved = run("ctl", "plugins", "approve", "kary-tree", "1.0.0", "--jar", f.samples.toString(), "--key", key + "dave.key",
                    "--context", api.context("dave").toString(), "--json");
            assertThat(approved.code()).as(approved.out() + approved.err()).isZero();
            assertThat(approved.json().path("state").asText()).isEqualTo("APPROVED");
            InProcessCli.Result wrongRole = run("ctl", "plugins", "retire", "kary-tree", "1.0.0", "--context", api.context("dave").toString());
            assertThat(wrongRole.code()).isEqualTo(ExitCodes.REFUSED);
            InProcessCli.Result retired = run("ctl", "plugins", "retire", "kary-tree", "1.0.0", "--context", api.context("olga").toString(), "--json");
            assertThat(retired.code()).as(retired.out() + retired.err()).isZero();
            assertThat(states(api)).containsExactly("kary-tree 1.0.0 RETIRED");
            InProcessCli.Result noJar = run("ctl", "plugins", "approve", "kary-tree", "1.0.0", "--jar", dir.resolve("none.jar").toString(),
                    "--key", key + "dave.key", "--context", api.context("dave").toString());
            assertThat(noJar.code()).isEqualTo(ExitCodes.FAILURE);
            assertThat(noJar.err()).contains("cannot read the jar").contains("no such file");
        }
    }

    private static String approval(String signature) {
        return "{\"signature\":\"" + signature + "\"}";
    }

    private static List<String> states(TestAdminServer api) throws Exception {
        JsonNode doc = JsonOutput.MAPPER.readTree(api.send("olga", "GET", "/v1/plugins", null).body());
        List<String> out = new ArrayList<>();
        doc.path("plugins").forEach(p -> out.add(p.path("id").asText() + " " + p.path("version").asText() + " " + p.path("state").asText()));
        return out;
    }
}
