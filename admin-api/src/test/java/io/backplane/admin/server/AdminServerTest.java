package io.backplane.admin.server;

import io.backplane.admin.model.Role;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin server over real TLS on loopback, driven by the JDK's HTTP client: the authorisation matrix (every
 * described operation × every role × no credentials, a wrong token, the role's token, the role's client
 * certificate), the description ↔ routes check, bad input, the rate limit, the audit of changes, and no plain HTTP.
 */
class AdminServerTest {
    private static final JsonObject DESCRIPTION = AdminServer.description();

    @TempDir
    Path dir;
    private final TestPki pki = new TestPki();
    private final InMemoryViews views = new InMemoryViews();
    private final Map<Role, String> tokens = new EnumMap<>(Role.class);
    private final Map<Role, SSLContext> certs = new EnumMap<>(Role.class);
    private AdminServer server;
    private HttpClient anonymous;

    @BeforeEach
    void start() throws IOException {
        start(1_000);
    }

    private void start(int maxFailures) throws IOException {
        start(maxFailures, 100_000);
    }

    private void start(int maxFailures, int budget) throws IOException {
        Path tokenFile = dir.resolve("admin/tokens");
        Files.deleteIfExists(tokenFile);
        for (Role r : Role.values()) {
            tokens.put(r, TokenFile.issue(tokenFile, r.wireName() + "-token", Set.of(r)));
            KeyPair k = TestPki.ec();
            X509Certificate c = TestPki.issued("CN=" + r.wireName() + "-cert,OU=" + r.wireName(), k, "CN=node0 admin CA", pki.caKey.getPrivate());
            certs.put(r, pki.client(k.getPrivate(), c));
        }
        server = AdminServer.start(new AdminServer.Settings(new InetSocketAddress("127.0.0.1", 0), pki.serverKeys(), List.of(pki.caCert),
                tokenFile, 4096, maxFailures, 60_000, budget), views.views());
        anonymous = client(pki.client(null, null));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpClient client(SSLContext ctx) {
        return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> send(HttpClient c, String method, String path, String token, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One described operation and a request that is valid for it. */
    private record Op(String id, String method, String path, String body, Set<String> roles) {
    }

    private static List<Op> described() {
        List<Op> ops = new ArrayList<>();
        JsonObject paths = DESCRIPTION.getJsonObject("paths");
        for (String p : paths.fieldNames()) {
            JsonObject item = paths.getJsonObject(p);
            for (String method : item.fieldNames()) {
                JsonObject op = item.getJsonObject(method);
                JsonArray roles = op.getJsonArray("x-roles");
                assertThat(roles).as(op.getString("operationId") + " names x-roles").isNotNull().isNotEmpty();
                Set<String> rs = new java.util.HashSet<>();
                roles.forEach(r -> rs.add((String) r));
                String concrete = p.replace("{pluginId}", "leader-election").replace("{id}", "b1").replace("{keyId}", InMemoryViews.KEY).replace("{version}", "1.0.0");
                String body = !op.containsKey("requestBody") ? null
                        : switch (op.getString("operationId")) {
                            case "startBench" -> "{\"ops\":[\"sha256\"],\"maxPointMs\":50}";
                            case "importGuardHistory" -> "{\"format\":\"backplane-guard-history/1\",\"keys\":[]}";
                            case "uploadPlugin" -> "{\"manifest\":\"e30=\",\"jar\":\"UEsDBA==\",\"signature\":\"" + "ab".repeat(64) + "\"}";
                            case "approvePlugin" -> "{\"signature\":\"" + "cd".repeat(64) + "\"}";
                            case "importKey" -> "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"00ff\"}";
                            default -> "{\"enabled\":true}";
                        };
                ops.add(new Op(op.getString("operationId"), method.toUpperCase(java.util.Locale.ROOT), concrete, body, rs));
            }
        }
        return ops;
    }

    @Test
    void everyOperationEveryRoleEveryCredential() throws Exception {
        views.views().bench().start(List.of("sha256"), 50); // job b1 exists for GET /v1/bench/b1
        List<Op> ops = described();
        assertThat(ops).extracting(Op::id).contains("healthLive", "healthReady", "openApi", "metrics", "status", "setFlag", "auditPage", "auditVerify",
                "startBench", "getBench", "dashboard");
        List<String> mismatches = new ArrayList<>();
        for (Op op : ops) {
            String ct = op.body() == null ? null : "application/json";
            boolean open = op.roles().contains("public");
            expect(mismatches, op, "no credentials", send(anonymous, op.method(), op.path(), null, ct, op.body()).statusCode(), open ? 200 : 401);
            expect(mismatches, op, "wrong token", send(anonymous, op.method(), op.path(), TokenFile.PREFIX + "AAAA", ct, op.body()).statusCode(), open ? 200 : 401);
            for (Role r : Role.values()) {
                int want = open || op.roles().contains(r.wireName()) ? 200 : 403;
                expect(mismatches, op, r.wireName() + " token", send(anonymous, op.method(), op.path(), tokens.get(r), ct, op.body()).statusCode(), want);
                expect(mismatches, op, r.wireName() + " certificate", send(client(certs.get(r)), op.method(), op.path(), null, ct, op.body()).statusCode(), want);
            }
        }
        // the router forgives what the description does not (a trailing slash, "/.", "/x/.."): none of it is a way in
        for (Op op : ops) {
            if (op.roles().contains("public")) {
                continue;
            }
            for (String variant : List.of(op.path() + "/", op.path() + "//", op.path() + "/.", op.path() + "/x/..", op.path() + "?x=1/")) {
                int s = send(anonymous, op.method(), variant, null, op.body() == null ? null : "application/json", op.body()).statusCode();
                if (s < 400 || (s != 401 && s != 404 && s != 405)) {
                    mismatches.add(op.method() + " " + variant + " with no credentials: " + s);
                }
            }
        }
        assertThat(mismatches).isEmpty();
    }

    private static void expect(List<String> mismatches, Op op, String as, int got, int want) {
        if (want == 200 ? got / 100 != 2 : got != want) {
            mismatches.add(op.method() + " " + op.path() + " as " + as + ": " + got + ", expected " + want);
        }
    }

    @Test
    void describedRoutesExistAndUndescribedOnesDoNot() throws Exception {
        String operator = tokens.get(Role.OPERATOR);
        for (Op op : described()) {
            int s = send(anonymous, op.method(), op.path(), operator, op.body() == null ? null : "application/json", op.body()).statusCode();
            assertThat(s).as(op.method() + " " + op.path()).isNotIn(404, 405, 501);
        }
        assertThat(send(anonymous, "GET", "/v1/nothing", operator, null, null).statusCode()).isEqualTo(404);
        assertThat(send(anonymous, "GET", "/admin", operator, null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = send(anonymous, "DELETE", "/v1/status", operator, null, null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(new JsonObject(wrongMethod.body()).getString("error")).isNotBlank();
        // the served description is the one the routes are built from
        assertThat(new JsonObject(send(anonymous, "GET", "/openapi.json", null, null, null).body())).isEqualTo(DESCRIPTION);
        assertThat(DESCRIPTION.getString("openapi")).isEqualTo("3.1.0");
    }

    @Test
    void aBenchmarkStartsOnceIsValidatedAndIsAudited() throws Exception {
        String op = tokens.get(Role.OPERATOR);
        HttpResponse<String> started = send(anonymous, "POST", "/v1/bench", op, "application/json", "{\"ops\":[\"sha256\",\"merkle\"]}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        assertThat(new JsonObject(started.body()).getInteger("maxPointMs")).isEqualTo(200);
        views.benchBusy = true;
        HttpResponse<String> second = send(anonymous, "POST", "/v1/bench", op, "application/json", "{\"ops\":[\"sha256\"]}");
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(new JsonObject(second.body()).getString("error")).contains("running");
        for (String bad : List.of("{\"ops\":[]}", "{\"ops\":[\"hsm-bls-sign\"]}", "{\"ops\":[\"sha256\",\"sha256\"]}",
                "{\"ops\":[\"sha256\"],\"maxPointMs\":5}", "{\"ops\":[\"sha256\"],\"maxPointMs\":100000}", "{\"ops\":\"sha256\"}",
                "{\"ops\":[\"sha256\"],\"cpu\":100}")) {
            assertThat(send(anonymous, "POST", "/v1/bench", op, "application/json", bad).statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(views.benches).hasSize(1);
        assertThat(send(anonymous, "GET", "/v1/bench/b1", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(200);
        assertThat(send(anonymous, "GET", "/v1/bench/b9", op, null, null).statusCode()).isEqualTo(404);
        assertThat(send(anonymous, "GET", "/v1/bench/..%2Fx", op, null, null).statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "POST", "/v1/bench", tokens.get(Role.AUDITOR), "application/json", "{\"ops\":[\"sha256\"]}").statusCode()).isEqualTo(403);
        assertThat(views.audit).extracting(e -> e.get(1) + " " + e.get(3))
                .containsExactly("bench.start requested", "bench.start ok", "bench.start requested", "bench.start refused: benchmark b1 is running");
    }

    @Test
    void keysAreGeneratedAndGuardHistoryImportedOnlyAsDescribed() throws Exception {
        String op = tokens.get(Role.OPERATOR);
        HttpResponse<String> made = send(anonymous, "POST", "/v1/keys/bls", op, null, null);
        assertThat(made.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(made.body()).getString("type")).isEqualTo("bls12-381");
        assertThat(send(anonymous, "POST", "/v1/keys/bls", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(403);
        String good = "{\"format\":\"backplane-guard-history/1\",\"keys\":[]}";
        assertThat(send(anonymous, "POST", "/v1/keys/guard-history", op, "application/json", good).statusCode()).isEqualTo(200);
        for (String bad : List.of("{\"format\":\"backplane-guard-history/2\",\"keys\":[]}", "{\"keys\":[]}", "{\"format\":\"backplane-guard-history/1\"}",
                "{\"format\":\"backplane-guard-history/1\",\"keys\":{}}", "[]")) {
            HttpResponse<String> r = send(anonymous, "POST", "/v1/keys/guard-history", op, "application/json", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(views.imported).hasSize(1);
        assertThat(views.generated.get()).isEqualTo(1);
        assertThat(views.audit).extracting(e -> e.get(1) + " " + e.get(3))
                .containsExactly("keys.generate-bls requested", "keys.generate-bls ok", "keys.guard-import requested", "keys.guard-import ok");
    }

    @Test
    void pluginStepsReachTheViewOnlyAsDescribedAndAsTheirPrincipal() throws Exception {
        String author = tokens.get(Role.PLUGIN_AUTHOR);
        String approver = tokens.get(Role.APPROVER);
        String sig = "ab".repeat(64);
        String good = "{\"manifest\":\"e30=\",\"jar\":\"UEsDBA==\",\"signature\":\"" + sig + "\"}";
        HttpResponse<String> up = send(anonymous, "POST", "/v1/plugins", author, "application/json", good);
        assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
        assertThat(views.pluginSteps).containsExactly("upload plugin-author-token 2 4 64");
        for (String bad : List.of("{\"manifest\":\"e\",\"jar\":\"UEsDBA==\",\"signature\":\"" + sig + "\"}",
                "{\"manifest\":\"e30=\",\"jar\":\"UEsDBA==\"}", "{\"manifest\":\"e30=\",\"jar\":\"UEs*BA==\",\"signature\":\"" + sig + "\"}",
                "{\"manifest\":\"e30=\",\"jar\":\"UEsDBA==\",\"signature\":\"ab\"}",
                "{\"manifest\":\"e30=\",\"jar\":\"UEsDBA==\",\"signature\":\"" + sig + "\",\"approver\":\"me\"}", "[]")) {
            HttpResponse<String> r = send(anonymous, "POST", "/v1/plugins", author, "application/json", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).as(bad).isNotBlank();
        }
        assertThat(send(anonymous, "POST", "/v1/plugins", approver, "application/json", good).statusCode()).as("an approver uploads nothing").isEqualTo(403);
        String approval = "{\"signature\":\"" + "cd".repeat(64) + "\"}";
        assertThat(send(anonymous, "POST", "/v1/plugins/kary-tree/1.0.0/approve", author, "application/json", approval).statusCode())
                .as("an author approves nothing").isEqualTo(403);
        assertThat(send(anonymous, "POST", "/v1/plugins/kary-tree/1.0.0/approve", approver, "application/json", approval).statusCode()).isEqualTo(200);
        for (String path : List.of("/v1/plugins/..%2Fetc/1.0.0/approve", "/v1/plugins/kary-tree/..%2F..%2Fx/approve", "/v1/plugins/Kary/1.0.0/approve")) {
            assertThat(send(anonymous, "POST", path, approver, "application/json", approval).statusCode()).as(path).isEqualTo(400);
        }
        assertThat(send(anonymous, "POST", "/v1/plugins/kary-tree/1.0.0/approve", approver, "application/json", "{}").statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "POST", "/v1/plugins/kary-tree/1.0.0/veto", approver, null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> unknown = send(anonymous, "POST", "/v1/plugins/kary-tree/1.0.0/retire", tokens.get(Role.OPERATOR), null, null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(views.pluginSteps).containsExactly("upload plugin-author-token 2 4 64", "approve approver-token kary-tree 1.0.0 64",
                "veto approver-token kary-tree 1.0.0");
        assertThat(views.audit).extracting(e -> e.get(0) + " " + e.get(1) + " " + e.get(3)).containsExactly(
                "plugin-author-token (token) plugin.upload requested", "plugin-author-token (token) plugin.upload ok",
                "approver-token (token) plugin.approve requested", "approver-token (token) plugin.approve ok",
                "approver-token (token) plugin.veto requested", "approver-token (token) plugin.veto ok",
                "operator-token (token) plugin.retire requested", "operator-token (token) plugin.retire refused: kary-tree 1.0.0 is not in the store");
    }

    @Test
    void aCrossSiteChangeIsRefusedWhateverTheCredentials() throws Exception {
        String op = tokens.get(Role.OPERATOR);
        String self = "https://127.0.0.1:" + server.port();
        record Case(String header, String value, int want) {
        }
        for (Case c : List.of(new Case("Origin", "https://evil.example", 403), new Case("Origin", "null", 403),
                new Case("Origin", "https://127.0.0.1:1", 403), new Case("Sec-Fetch-Site", "cross-site", 403),
                new Case("Sec-Fetch-Site", "same-site", 403), new Case("Origin", self, 200), new Case("Sec-Fetch-Site", "same-origin", 200))) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(self + "/v1/flags/leader-election")).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + op).header("Content-Type", "application/json").header(c.header(), c.value())
                    .method("DELETE", HttpRequest.BodyPublishers.noBody()).build();
            assertThat(anonymous.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).as(c.toString()).isEqualTo(c.want());
            HttpRequest read = HttpRequest.newBuilder(URI.create(self + "/v1/flags")).header("Authorization", "Bearer " + op)
                    .header(c.header(), c.value()).GET().build();
            assertThat(anonymous.send(read, HttpResponse.BodyHandlers.ofString()).statusCode()).as("a read is not a change: " + c).isEqualTo(200);
        }
        assertThat(views.audit).as("only the same-origin changes reached the view")
                .extracting(e -> e.get(1) + " " + e.get(3)).containsExactly("flag.clear requested", "flag.clear ok", "flag.clear requested", "flag.clear ok");
    }

    @Test
    void sealedKeysAreExportedAndImportedOnlyAsDescribed() throws Exception {
        String op = tokens.get(Role.OPERATOR);
        HttpResponse<String> exported = send(anonymous, "POST", "/v1/keys/" + InMemoryViews.KEY + "/export", op, null, null);
        assertThat(exported.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(exported.body()).getString("format")).isEqualTo("backplane-bls-export/1");
        assertThat(send(anonymous, "POST", "/v1/keys/bls-00000000000000ff/export", op, null, null).statusCode()).isEqualTo(404);
        for (String badId : List.of("bls-1", "..%2Fbls-0123456789abcdef", "BLS-0123456789ABCDEF", "bls-0123456789abcdef0")) {
            assertThat(send(anonymous, "POST", "/v1/keys/" + badId + "/export", op, null, null).statusCode()).as(badId).isEqualTo(400);
        }
        assertThat(send(anonymous, "POST", "/v1/keys/" + InMemoryViews.KEY + "/export", tokens.get(Role.AUDITOR), null, null).statusCode())
                .as("an export is the operator's alone").isEqualTo(403);
        String good = "{\"format\":\"backplane-bls-export/1\",\"id\":\"" + InMemoryViews.KEY + "\",\"sealed\":\"00ff\"}";
        assertThat(send(anonymous, "POST", "/v1/keys/import", op, "application/json", good).statusCode()).isEqualTo(200);
        for (String bad : List.of("{\"format\":\"backplane-bls-export/2\",\"sealed\":\"00\"}", "{\"format\":\"backplane-bls-export/1\"}",
                "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"0\"}", "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"zz\"}",
                "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"00\",\"secret\":\"00\"}",
                "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"00\",\"id\":\"../x\"}",
                "{\"format\":\"backplane-bls-export/1\",\"sealed\":\"00\",\"guardHistory\":{\"keys\":[]}}", "[]")) {
            assertThat(send(anonymous, "POST", "/v1/keys/import", op, "application/json", bad).statusCode()).as(bad).isEqualTo(400);
        }
        assertThat(send(anonymous, "POST", "/v1/keys/import", op, "text/plain", good).statusCode()).isIn(400, 415);
        assertThat(views.importedKeys).hasSize(1);
        assertThat(views.audit).extracting(e -> e.get(1) + " " + e.get(2) + " " + e.get(3)).containsExactly(
                "keys.export " + InMemoryViews.KEY + " requested", "keys.export " + InMemoryViews.KEY + " ok",
                "keys.export bls-00000000000000ff requested", "keys.export bls-00000000000000ff refused: no BLS key 'bls-00000000000000ff'",
                "keys.import " + InMemoryViews.KEY + " requested", "keys.import " + InMemoryViews.KEY + " ok");
    }

    @Test
    void readinessIs503WithTheReasonsWhenAPartIsDown() throws Exception {
        views.ready = false;
        HttpResponse<String> r = send(anonymous, "GET", "/health/ready", null, null, null);
        assertThat(r.statusCode()).isEqualTo(503);
        JsonObject doc = new JsonObject(r.body());
        assertThat(doc.getBoolean("ready")).isFalse();
        assertThat(doc.getJsonArray("checks").encode()).contains("a quorum needs 2");
    }

    @Test
    void badInputIsA4xxNamingTheProblemAndChangesNothing() throws Exception {
        String op = tokens.get(Role.OPERATOR);
        record Bad(String name, String path, String contentType, String body, int status, String says) {
        }
        List<Bad> bad = List.of(
                new Bad("malformed JSON", "/v1/flags/leader-election", "application/json", "{\"enabled\":", 400, "can't be decoded"),
                new Bad("unknown field", "/v1/flags/leader-election", "application/json", "{\"enabled\":false,\"force\":true}", 400, "\"force\""),
                new Bad("wrong type", "/v1/flags/leader-election", "application/json", "{\"enabled\":\"no\"}", 400, "Expected boolean"),
                new Bad("missing field", "/v1/flags/leader-election", "application/json", "{}", 400, "required property \"enabled\""),
                new Bad("not an object", "/v1/flags/leader-election", "application/json", "[false]", 400, "Expected object"),
                new Bad("oversized body", "/v1/flags/leader-election", "application/json", "{\"enabled\":false,\"x\":\"" + "a".repeat(10_000) + "\"}", 413, "larger"),
                new Bad("wrong content type", "/v1/flags/leader-election", "text/plain", "{\"enabled\":false}", 415, "content type"),
                new Bad("no content type", "/v1/flags/leader-election", null, "{\"enabled\":false}", 400, "not supported"),
                new Bad("path traversal", "/v1/flags/..%2F..%2Fetc%2Fpasswd", "application/json", "{\"enabled\":false}", 400, ""),
                new Bad("upper-case id", "/v1/flags/LEADER", "application/json", "{\"enabled\":false}", 400, "pluginId"),
                new Bad("unknown plugin", "/v1/flags/no-such-plugin", "application/json", "{\"enabled\":false}", 404, "no-such-plugin"));
        List<String> wrong = new ArrayList<>();
        for (Bad b : bad) {
            HttpResponse<String> r = send(anonymous, "PUT", b.path(), op, b.contentType(), b.body());
            String error = r.body().isEmpty() ? "" : new JsonObject(r.body()).getString("error", "");
            if (r.statusCode() != b.status() || error.isBlank() || !error.contains(b.says())) {
                wrong.add(b.name() + ": " + r.statusCode() + " " + r.body());
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(views.flags).containsEntry("leader-election", true).hasSize(1);
        // only the change that reached the view is audited (requested, then refused); nothing is recorded as applied
        assertThat(views.audit).extracting(e -> e.get(3)).containsExactly("requested", "refused: no plugin 'no-such-plugin' on this node");
        assertThat(send(anonymous, "GET", "/v1/audit?limit=0", op, null, null).statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "GET", "/v1/audit?from=-1", op, null, null).statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "GET", "/v1/audit?from=x", op, null, null).statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "GET", "/v1/audit?from=9223372036854775808", op, null, null).statusCode()).isEqualTo(400);
        assertThat(send(anonymous, "GET", "/v1/audit?from=99999999999999999999999", op, null, null).statusCode()).isEqualTo(400);
    }

    @Test
    void aChangeIsAuditedWithWhoWhatAndOutcome() throws Exception {
        HttpResponse<String> r = send(anonymous, "PUT", "/v1/flags/leader-election", tokens.get(Role.OPERATOR), "application/json", "{\"enabled\":false}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(views.flags).containsEntry("leader-election", false);
        HttpResponse<String> byCert = send(client(certs.get(Role.OPERATOR)), "PUT", "/v1/flags/leader-election", null, "application/json", "{\"enabled\":true}");
        assertThat(byCert.statusCode()).isEqualTo(200);
        assertThat(views.audit).containsExactly(
                List.of("operator-token (token)", "flag.set", "leader-election=false", "requested"),
                List.of("operator-token (token)", "flag.set", "leader-election=false", "ok"),
                List.of("operator-cert (certificate)", "flag.set", "leader-election=true", "requested"),
                List.of("operator-cert (certificate)", "flag.set", "leader-election=true", "ok"));
        JsonObject page = new JsonObject(send(anonymous, "GET", "/v1/audit?from=2&limit=5", tokens.get(Role.AUDITOR), null, null).body());
        assertThat(page.getLong("total")).isEqualTo(4);
        assertThat(page.getJsonArray("entries").encode()).contains("operator-cert").doesNotContain("operator-token");
        // an auditor may read but not change
        assertThat(send(anonymous, "PUT", "/v1/flags/leader-election", tokens.get(Role.AUDITOR), "application/json", "{\"enabled\":false}").statusCode()).isEqualTo(403);
        assertThat(views.flags).containsEntry("leader-election", true);
    }

    @Test
    void repeatedFailuresFromOneAddressAreRateLimited() throws Exception {
        server.close();
        start(3);
        for (int i = 0; i < 3; i++) {
            assertThat(send(anonymous, "GET", "/v1/status", TokenFile.PREFIX + "guess" + i, null, null).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> limited = send(anonymous, "GET", "/v1/status", TokenFile.PREFIX + "guess3", null, null);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).isPresent();
        assertThat(new JsonObject(limited.body()).getString("error")).contains("retry after");
        assertThat(send(anonymous, "GET", "/v1/status", null, null, null).statusCode()).isEqualTo(429);
        // the operator sharing the address is still heard, and forbidden requests do not count as failures
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
            assertThat(send(anonymous, "PUT", "/v1/flags/leader-election", tokens.get(Role.AUDITOR), "application/json", "{\"enabled\":true}").statusCode()).isEqualTo(403);
        }
        assertThat(send(client(certs.get(Role.AUDITOR)), "GET", "/v1/status", null, null, null).statusCode()).isEqualTo(200);
        // public probes are never limited
        assertThat(send(anonymous, "GET", "/health/live", null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void theWholePlaneHasARequestBudget() throws Exception {
        server.close();
        start(1_000, 20);
        int ok = 0;
        int limited = 0;
        for (int i = 0; i < 60; i++) {
            int s = send(anonymous, "GET", "/health/live", null, null, null).statusCode();
            if (s == 200) {
                ok++;
            } else if (s == 429) {
                limited++;
            }
        }
        assertThat(ok + limited).isEqualTo(60);
        assertThat(limited).isPositive();
        assertThat(ok).isBetween(20, 59);
        HttpResponse<String> r = send(anonymous, "GET", "/v1/status", tokens.get(Role.OPERATOR), null, null);
        if (r.statusCode() == 429) {
            assertThat(new JsonObject(r.body()).getString("error")).contains("at most 20 requests/s");
        }
        Thread.sleep(1_100);
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.OPERATOR), null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void certificatesNotIssuedByTheAdminCaOrWithoutARoleGrantNothing() throws Exception {
        KeyPair rogueCa = TestPki.ec();
        KeyPair k = TestPki.ec();
        X509Certificate forged = TestPki.issued("CN=mallory,OU=operator", k, "CN=node0 admin CA", rogueCa.getPrivate());
        // the TLS layer refuses the chain (handshake failure) or the request is unauthenticated: never a 200
        try {
            int s = send(client(pki.client(k.getPrivate(), forged)), "GET", "/v1/status", null, null, null).statusCode();
            assertThat(s).isEqualTo(401);
        } catch (javax.net.ssl.SSLException handshakeRefused) {
            assertThat(handshakeRefused).isNotNull(); // the server refused the chain in the handshake
        }
        X509Certificate noRole = TestPki.issued("CN=bob,OU=finance", k, "CN=node0 admin CA", pki.caKey.getPrivate());
        assertThat(send(client(pki.client(k.getPrivate(), noRole)), "GET", "/v1/status", null, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void plainHttpIsNeverServed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[64];
            int n;
            try {
                n = s.getInputStream().read(buf);
            } catch (IOException closed) {
                n = -1;
            }
            String answer = n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            assertThat(answer).doesNotStartWith("HTTP/");
        }
    }

    @Test
    void tokensAreStoredHashedAndADamagedFileAdmitsNone() throws Exception {
        Path file = dir.resolve("admin/tokens");
        String text = Files.readString(file);
        tokens.values().forEach(t -> assertThat(text).doesNotContain(t));
        assertThatThrownBy(() -> TokenFile.issue(file, "operator-token", Set.of(Role.OPERATOR))).hasMessageContaining("already holds");
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(200);
        Files.writeString(file, text.replaceFirst("auditor ", "auditr "));
        Thread.sleep(1_100); // the file is looked at once a second
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(401);
        assertThatThrownBy(() -> TokenFile.read(file)).hasMessageContaining("line").hasMessageContaining("unknown role 'auditr'");
        Files.writeString(file, text);
        Thread.sleep(1_100);
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(200);
        // a token file others may write is refused (anyone could add a token)
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> TokenFile.read(file)).hasMessageContaining("writable by others");
        Thread.sleep(1_100);
        assertThat(send(anonymous, "GET", "/v1/status", tokens.get(Role.AUDITOR), null, null).statusCode()).isEqualTo(401);
    }
}
