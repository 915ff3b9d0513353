package io.backplane.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.node.runtime.Genesis;
import io.backplane.provisioning.cluster.AdminClient;
import io.backplane.provisioning.cluster.LoadGenerator;
import io.backplane.provisioning.cluster.NodeClient;
import io.backplane.provisioning.cluster.NodeProcesses;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node as operators run it: real validator processes on loopback (each with its SoftHSM token, RocksDB, TLS
 * transport), provisioned and driven by {@code backplane up}, then killed with SIGKILL and restarted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Path home() {
        return dir.resolve("cluster");
    }

    private static JsonNode up(String duration) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"up", "--home", home().toString(), "--nodes", "4", "--duration", duration, "--tx-rate", "100",
                "--backend", "cpu", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, code, "up failed: " + out + "\n" + err);
        return JSON.readTree(out.toString());
    }

    @Test
    @Order(1)
    void upProvisionsCommitsAgreesAndStopsEveryNode() throws Exception {
        JsonNode first = up("20s");
        assertTrue(first.path("consistent").asBoolean(), first.toString());
        assertTrue(first.path("committedTx").asLong() > 0, "no transaction committed: " + first);
        assertTrue(first.path("committedBlocks").asLong() > 0, first.toString());
        assertTrue(first.path("stateRoot").asText().matches("[0-9a-f]{64}"), first.toString());
        assertEquals("cpu", first.path("backend").asText());
        assertEquals(0, first.path("nodesKilled").asLong(), "a node did not stop on SIGTERM: " + first);
        assertNoNodeLeft();

        JsonNode second = up("10s");
        assertTrue(second.path("consistent").asBoolean(), second.toString());
        assertTrue(second.path("committedBlocks").asLong() > 0 && second.path("height").asLong() > first.path("height").asLong(),
                "the second up did not extend the first one's chain: " + first + " then " + second);
        assertNotEquals(first.path("stateRoot").asText(), second.path("stateRoot").asText());
        assertNoNodeLeft();
    }

    @Test
    @Order(2)
    void aKilledFollowerAndAKilledLeaderCatchUpWhileTheOthersKeepCommitting() throws Exception {
        Genesis g = Genesis.read(home().resolve("genesis.json"));
        List<String> metrics = Files.readAllLines(home().resolve("metrics-ports"));
        List<String> admin = Files.readAllLines(home().resolve("admin-ports"));
        List<NodeClient> clients = new ArrayList<>();
        NodeProcesses procs = new NodeProcesses();
        List<NodeProcesses.Spec> specs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(new NodeClient(g.validators().get(i).client()));
            specs.add(new NodeProcesses.Spec(g.validators().get(i).id(), home().resolve(g.validators().get(i).id()), home().resolve("genesis.json"),
                    metrics.get(i), admin.get(i), "cpu"));
        }
        List<Process> running = new ArrayList<>();
        for (NodeProcesses.Spec s : specs) {
            running.add(procs.start(s));
        }
        LoadGenerator load = null;
        try {
            for (NodeClient c : clients) {
                awaitUntil(() -> height(c), 1, 120_000, "a node to answer");
            }
            byte[] seed = HexFormat.of().parseHex(Files.readString(home().resolve("load-seed")).trim());
            load = new LoadGenerator(g.chainId(), clients, seed, UpCommand.SENDERS, nonces(clients.get(0), seed), 50);
            load.start();

            // what a node shows: the plugin leader election from its enclave, and the metrics port's series
            JsonNode status = clients.get(0).get("/v1/status").orElseThrow();
            assertTrue(status.path("leaderElection").asText().startsWith("plugin round-robin"), status.toString());
            String scrape = new String(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + metrics.get(0) + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body());
            for (String series : List.of("backplane_committed_blocks_total", "backplane_commit_latency_seconds_bucket", "backplane_peer_queue_depth",
                    "backplane_peer_dropped_total", "backplane_mempool_depth")) {
                assertTrue(scrape.contains(series), series + " missing from /metrics");
            }
            txCommandsRoundTrip(g.validators().get(1).client());

            // kill -9 a follower (not the current leader)
            int leader = clients.get(0).get("/v1/status").orElseThrow().path("leader").asInt();
            int follower = (leader + 1) % 4;
            killAndRecover(follower, procs, specs, running, clients, false);
            // kill -9 the current leader
            leader = clients.get((follower + 1) % 4).get("/v1/status").orElseThrow().path("leader").asInt();
            killAndRecover(leader, procs, specs, running, clients, false);
            // a node restarted on an empty data directory (blocks, ledger state and consensus safety data gone; its token
            // and double-sign guard kept) fetches the chain from its peers, replays it to the same state and signs
            // nothing the guard has seen it sign
            int wiped = (leader + 2) % 4;
            killAndRecover(wiped, procs, specs, running, clients, true);
            // last, so that its benchmark does not lengthen the chain the empty-disk node above replays; on that very
            // node: ready means signing again, so the QCs with its own earlier votes were not taken for a doppelganger
            adminApiOfARealNode(specs.get(wiped).home(), admin.get(wiped));
        } finally {
            if (load != null) {
                load.close();
            }
            for (Process p : running) {
                p.destroy();
            }
            for (Process p : running) {
                p.waitFor();
            }
        }
        assertNoNodeLeft();
    }

    private static void killAndRecover(int victim, NodeProcesses procs, List<NodeProcesses.Spec> specs, List<Process> running,
                                       List<NodeClient> clients, boolean emptyDisk) throws Exception {
        int witness = (victim + 1) % 4;
        running.get(victim).destroyForcibly().waitFor();
        if (emptyDisk) {
            Interrupts.deleteTree(specs.get(victim).home().resolve("data"));
            assertFalse(Files.exists(specs.get(victim).home().resolve("data")));
        }
        long atKill = height(clients.get(witness));
        long killedAt = System.nanoTime();
        awaitUntil(() -> height(clients.get(witness)), atKill + 1, 60_000, "the three others to commit without validator " + victim);
        long nextCommitMs = (System.nanoTime() - killedAt) / 1_000_000;
        awaitUntil(() -> height(clients.get(witness)), atKill + 5, 60_000, "the three others to commit 5 blocks without validator " + victim);
        long restartedAt = System.nanoTime();
        running.set(victim, procs.start(specs.get(victim)));
        long target = height(clients.get(witness));
        awaitUntil(() -> height(clients.get(victim)), target, 120_000, "restarted validator " + victim + " to catch up to height " + target);
        // the recovery figures of the benchmark list (a JVM start and, for an empty disk, the whole replay included)
        System.out.printf("recovery: validator %d killed%s: next commit by the others after %d ms; restarted and caught up to height %d after %d ms%n",
                victim, emptyDisk ? " (empty data directory)" : "", nextCommitMs, target, (System.nanoTime() - restartedAt) / 1_000_000);
        // it agrees with the others on what it caught up to
        JsonNode mine = clients.get(victim).get("/v1/block/" + target).orElseThrow();
        JsonNode theirs = clients.get(witness).get("/v1/block/" + target).orElseThrow();
        assertEquals(theirs.path("id").asText(), mine.path("id").asText());
        assertEquals(theirs.path("stateRoot").asText(), mine.path("stateRoot").asText());
    }

    /**
     * The admin API of a running node: TLS with the identity key in its SoftHSM token (the client pins hsm/identity.pem),
     * the operator token `node run` wrote, readiness with a quorum connected, the real keys and metrics, a flag change
     * that lands in the keystore's hash-chained audit log with who did it, and a chain that still verifies.
     */
    private static void adminApiOfARealNode(Path home, String address) throws Exception {
        AdminClient api = new AdminClient("https://" + address, home.resolve("hsm/identity.pem"));
        String token = Files.readString(home.resolve("admin/operator.token")).trim();
        String[] lastReady = {""};
        try {
            awaitUntil(() -> {
                try {
                    var r = api.send("GET", "/health/ready", null, null);
                    lastReady[0] = r.statusCode() + " " + r.body();
                    return r.statusCode() == 200 ? 1 : 0;
                } catch (Exception e) {
                    lastReady[0] = e.toString();
                    return 0;
                }
            }, 1, 60_000, "the admin API to say ready");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last answer: " + lastReady[0], e);
        }
        assertEquals(401, api.send("GET", "/v1/status", null, null).statusCode());
        JsonNode status = JSON.readTree(api.send("GET", "/v1/status", token, null).body());
        assertTrue(status.path("height").asLong() > 0, status.toString());
        String keys = api.send("GET", "/v1/keys", token, null).body();
        assertTrue(keys.contains("bls12-381") && keys.contains("ec-p256"), keys);
        assertTrue(api.send("GET", "/metrics", token, null).body().contains("backplane_committed_blocks_total"));
        var set = api.send("PUT", "/v1/flags/round-robin", token, "{\"enabled\":true}");
        assertEquals(200, set.statusCode(), set.body());
        assertEquals(404, api.send("PUT", "/v1/flags/not-a-plugin", token, "{\"enabled\":true}").statusCode());
        assertTrue(Files.readString(home.resolve("admin/flags.json")).contains("\"round-robin\" : true"));
        JsonNode first = JSON.readTree(api.send("GET", "/v1/audit?limit=1", token, null).body());
        long total = first.path("total").asLong();
        JsonNode tail = JSON.readTree(api.send("GET", "/v1/audit?from=" + Math.max(0, total - 50) + "&limit=50", token, null).body());
        String entries = tail.path("entries").toString();
        assertTrue(entries.contains("admin-flag.set") && entries.contains("\"principal\":\"operator\"") && entries.contains("not-a-plugin"), entries);
        JsonNode verified = JSON.readTree(api.send("GET", "/v1/audit/verify", token, null).body());
        assertTrue(verified.path("ok").asBoolean(), verified.toString());

        // keys: a new BLS key in the token; the guard history exported and imported back, and an older copy (every
        // watermark lowered) imported: nothing is ever lowered
        var bls = api.send("POST", "/v1/keys/bls", token, null);
        assertEquals(200, bls.statusCode(), bls.body());
        assertTrue(api.send("GET", "/v1/keys", token, null).body().contains(JSON.readTree(bls.body()).path("id").asText()));
        String history = api.send("GET", "/v1/keys/guard-history", token, null).body();
        com.fasterxml.jackson.databind.node.ObjectNode older = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(history);
        older.path("keys").forEach(k -> k.path("watermarks").forEach(w -> ((com.fasterxml.jackson.databind.node.ObjectNode) w).put("round", 0)));
        var back = api.send("POST", "/v1/keys/guard-history", token, older.toString());
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(0, JSON.readTree(back.body()).path("watermarksRaised").asInt(), back.body());
        JsonNode after = JSON.readTree(api.send("GET", "/v1/keys/guard-history", token, null).body());
        for (JsonNode k : after.path("keys")) {
            for (JsonNode w : k.path("watermarks")) {
                assertTrue(w.path("round").asLong() > 0, "a watermark was lowered: " + after);
            }
        }
        assertEquals(400, api.send("POST", "/v1/keys/guard-history", token, "{\"format\":\"backplane-guard-history/1\",\"keys\":[{\"keyId\":1}]}").statusCode());

        // the same through `ctl`, from the context file `up` wrote
        String ctx = home().resolve("context.json").toString();
        String id = home.getFileName().toString();
        assertTrue(cli("ctl", "status", "--context", ctx, "--node", id, "--json").path("height").asLong() > 0);
        JsonNode on = cli("ctl", "flags", "round-robin", "on", "--context", ctx, "--node", id, "--json");
        assertTrue(on.path("enabled").asBoolean(false), on.toString());
        // the genesis's leader election cannot be turned off on one node (it could not follow the schedule after a restart)
        StringWriter offOut = new StringWriter();
        StringWriter offErr = new StringWriter();
        assertEquals(1, Main.run(new String[]{"ctl", "flags", "round-robin", "off", "--context", ctx, "--node", id}, new PrintWriter(offOut),
                new PrintWriter(offErr)));
        assertTrue((offOut + "" + offErr).contains("409"), offOut + "" + offErr);
        assertTrue(Files.readString(home.resolve("admin/flags.json")).contains("\"round-robin\" : true"));
        assertTrue(cli("ctl", "keys", "--context", ctx, "--node", id, "--json").path("keys").size() >= 2);
        // a sealed export of the new key: the document keys export writes; the same token refuses it again (409), a
        // damaged blob is refused (400), and the token's keys are as they were
        String blsId = JSON.readTree(bls.body()).path("id").asText();
        var exported = api.send("POST", "/v1/keys/" + blsId + "/export", token, null);
        assertEquals(200, exported.statusCode(), exported.body());
        com.fasterxml.jackson.databind.node.ObjectNode export = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(exported.body());
        assertEquals("backplane-bls-export/1", export.path("format").asText(), export.toString());
        String keysBefore = api.send("GET", "/v1/keys", token, null).body();
        var again409 = api.send("POST", "/v1/keys/import", token, export.toString());
        assertEquals(409, again409.statusCode(), again409.body());
        String sealed = export.path("sealed").asText();
        export.put("sealed", sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("00") ? "01" : "00"));
        var damaged = api.send("POST", "/v1/keys/import", token, export.toString());
        assertEquals(400, damaged.statusCode(), damaged.body());
        assertEquals(keysBefore, api.send("GET", "/v1/keys", token, null).body());
        // the key this running node signs with is never exported through the API (its guard history would be stale at once)
        for (JsonNode k : JSON.readTree(keysBefore).path("keys")) {
            if (k.path("type").asText().equals("bls12-381") && !k.path("id").asText().equals(blsId)) {
                var live = api.send("POST", "/v1/keys/" + k.path("id").asText() + "/export", token, null);
                assertEquals(409, live.statusCode(), live.body());
                assertTrue(live.body().contains("signs with"), live.body());
            }
        }
        // apply -f box.yaml through the same API: the plan, one key created, then a second run that changes nothing
        int blsKeys = 0;
        for (JsonNode k : JSON.readTree(keysBefore).path("keys")) {
            blsKeys += k.path("type").asText().equals("bls12-381") ? 1 : 0;
        }
        Path box = dir.resolve("box.yaml");
        Files.writeString(box, "node: " + id + "\nchain: " + status.path("chainId").asText() + "\nkeys:\n  identity: present\n  bls: " + (blsKeys + 1)
                + "\nflags:\n  round-robin: on\n");
        JsonNode dry = cli("apply", "-f", box.toString(), "--context", ctx, "--dry-run", "--json");
        assertEquals(1, dry.path("changes").asInt(), dry.toString());
        assertEquals(keysBefore, api.send("GET", "/v1/keys", token, null).body(), "a dry run changed the keys");
        JsonNode applied = cli("apply", "-f", box.toString(), "--context", ctx, "--json");
        assertEquals(1, applied.path("applied").asInt(), applied.toString());
        JsonNode rerun = cli("apply", "-f", box.toString(), "--context", ctx, "--json");
        assertEquals(0, rerun.path("changes").asInt(), rerun.toString());
        // ctl keys export writes the export to a new file; ctl keys import of it on the same token: 409, exit 1
        Path exportFile = dir.resolve("bls.export.json");
        JsonNode wrote = cli("ctl", "keys", "export", blsId, "--out", exportFile.toString(), "--context", ctx, "--node", id, "--json");
        assertEquals(exportFile.toString(), wrote.path("out").asText(), wrote.toString());
        assertEquals("backplane-bls-export/1", JSON.readTree(exportFile.toFile()).path("format").asText());
        StringWriter impOut = new StringWriter();
        StringWriter impErr = new StringWriter();
        assertEquals(1, Main.run(new String[]{"ctl", "keys", "import", exportFile.toString(), "--context", ctx, "--node", id}, new PrintWriter(impOut),
                new PrintWriter(impErr)));
        assertTrue((impOut + "" + impErr).contains("409"), impOut + "" + impErr);
        assertTrue(Files.readString(home.resolve("admin/flags.json")).contains("\"round-robin\" : true"));
        // a bounded benchmark in the background: one at a time, and its table when done
        var started = api.send("POST", "/v1/bench", token, "{\"ops\":[\"sha256\"],\"maxPointMs\":50}");
        assertEquals(202, started.statusCode(), started.body());
        String job = JSON.readTree(started.body()).path("id").asText();
        var again = api.send("POST", "/v1/bench", token, "{\"ops\":[\"merkle\"]}");
        assertEquals(409, again.statusCode(), again.body());
        awaitUntil(() -> {
            try {
                return "running".equals(JSON.readTree(api.send("GET", "/v1/bench/" + job, token, null).body()).path("state").asText()) ? 0 : 1;
            } catch (Exception e) {
                return 0;
            }
        }, 1, 180_000, "the benchmark to finish");
        JsonNode bench = JSON.readTree(api.send("GET", "/v1/bench/" + job, token, null).body());
        assertEquals("done", bench.path("state").asText(), bench.toString());
        assertTrue(bench.path("result").path("ops").toString().contains("sha256"), bench.toString());
        // a context whose token file holds a wrong token: refused, exit 3
        Path wrong = dir.resolve("wrong.token");
        Files.writeString(wrong, "bpa_wrong\n");
        Path badCtx = dir.resolve("bad-context.json");
        Files.writeString(badCtx, Files.readString(Path.of(ctx)).replace(home.resolve("admin/operator.token").toString(), wrong.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(3, Main.run(new String[]{"ctl", "status", "--context", badCtx.toString(), "--node", id}, new PrintWriter(out), new PrintWriter(err)),
                out + "" + err);
        assertTrue(err.toString().contains("401"), err.toString());
    }

    /** The documented client commands against a running node: a put commits, get verifies its proof, a forged proof is refused. */
    private static void txCommandsRoundTrip(String node) throws Exception {
        Path key = dir.resolve("alice.key");
        JsonNode made = cli("tx", "keygen", "--out", key.toString(), "--json");
        assertEquals(64, made.path("publicKey").asText().length());
        JsonNode put = cli("tx", "put", "--node", node, "--key-file", key.toString(), "--key", "color", "--value", "blue", "--json");
        assertEquals("accepted", put.path("status").asText(), put.toString());
        String hash = put.path("hash").asText();
        awaitUntil(() -> "committed".equals(cliQuiet("tx", "status", "--node", node, "--hash", hash, "--json").path("status").asText()) ? 1 : 0,
                1, 60_000, "the put to commit");
        JsonNode got = cli("tx", "get", "--node", node, "--key-file", key.toString(), "--key", "color", "--json");
        assertEquals("blue", got.path("value").asText(), got.toString());
        assertTrue(got.path("proofVerified").asBoolean());
        JsonNode absent = cli("tx", "get", "--node", node, "--key-file", key.toString(), "--key", "never-set", "--json");
        assertFalse(absent.path("present").asBoolean(), absent.toString());
        JsonNode replay = cli("tx", "put", "--node", node, "--key-file", key.toString(), "--key", "color", "--value", "red", "--nonce", "0", "--json");
        assertNotEquals("accepted", replay.path("status").asText(), "a replayed nonce was accepted: " + replay);
    }

    private static JsonNode cli(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        JsonNode doc = JSON.readTree(out.toString());
        if (code != 0 && !doc.has("status")) {
            throw new AssertionError(String.join(" ", args) + " exited " + code + ": " + out + err);
        }
        return doc;
    }

    private static JsonNode cliQuiet(String... args) {
        try {
            return cli(args);
        } catch (Exception | AssertionError e) {
            return JSON.createObjectNode();
        }
    }

    private static long[] nonces(NodeClient c, byte[] seed) {
        List<String> accounts = new ArrayList<>();
        for (var k : LoadGenerator.keys(seed, UpCommand.SENDERS)) {
            accounts.add(HexFormat.of().formatHex(LoadGenerator.publicKey(k)));
        }
        JsonNode r = c.post("/v1/accounts", Map.of("accounts", accounts)).orElseThrow();
        long[] n = new long[accounts.size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = r.path("accounts").path(i).path("nonce").asLong();
        }
        return n;
    }

    private static long height(NodeClient c) {
        return c.get("/v1/status").map(s -> s.path("height").asLong()).orElse(-1L);
    }

    private static void awaitUntil(LongSupplier value, long atLeast, long timeoutMs, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        long v = value.getAsLong();
        while (v < atLeast) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + " (at " + v + ", want " + atLeast + ")");
            }
            Thread.sleep(250);
            v = value.getAsLong();
        }
    }

    private static void assertNoNodeLeft() throws Exception {
        Set<Long> pids = new HashSet<>();
        Path cluster = home().resolve("cluster.json");
        if (Files.exists(cluster)) {
            for (JsonNode n : JSON.readTree(cluster.toFile()).path("nodes")) {
                pids.add(n.path("pid").asLong());
            }
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "validator process " + pid + " is still running");
        }
    }
}
