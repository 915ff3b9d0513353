package io.backplane.plugin.host.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.plugin.api.ApiVersion;
import io.backplane.plugin.api.PluginManifest;
import io.backplane.plugin.host.AuthorKeys;
import io.backplane.plugin.host.ManifestCodec;
import io.backplane.plugin.host.PluginVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every legal and illegal lifecycle step, refusals of corrupt uploads, persistence, and the audit chain. */
class PluginStoreTest {
    @TempDir
    Path dir;
    private KeyPair author;
    private PluginVerifier verifier;
    private HashChainedAuditLog audit;
    private PluginStore store;
    private Path jar;
    private AuthorKeys operators;
    private String jarDigest;
    private final java.util.Map<String, KeyPair> operatorKeys = new java.util.HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        author = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        AuthorKeys keys = new AuthorKeys(dir.resolve("authors"));
        keys.trust("alice-key", author.getPublic());
        verifier = new PluginVerifier(keys, true);
        operators = new AuthorKeys(dir.resolve("operators"));
        for (String who : List.of("alice", "bob", "carol")) {
            operatorKeys.put(who, KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
            operators.trust(who, operatorKeys.get(who).getPublic());
        }
        audit = new HashChainedAuditLog(dir.resolve("audit/plugins.jsonl"), Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        store = new PluginStore(dir.resolve("store"), verifier, operators, audit);
        jar = Path.of(io.backplane.plugin.samples.RoundRobinLeaderElection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isDirectory(jar)) {
            jar = jarOf(jar);
        }
        jarDigest = PluginVerifier.sha256Hex(jar);
    }

    private Path jarOf(Path classes) throws IOException {
        Path out = dir.resolve("samples.jar");
        try (var jos = new java.util.jar.JarOutputStream(Files.newOutputStream(out)); var walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new java.util.jar.JarEntry(classes.relativize(p).toString()));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return out;
    }

    private byte[] manifest(String version) throws IOException {
        PluginManifest m = new PluginManifest(1, "round-robin", version, "[" + ApiVersion.CURRENT + ",2.0)", List.of("leader-election"),
                "io.backplane.plugin.samples.RoundRobinLeaderElection", PluginVerifier.sha256Hex(jar), "alice-key", "");
        return ManifestCodec.toJson(ManifestCodec.sign(m, author.getPrivate()));
    }

    /** {@code who}'s signed consent to {@code action} on round-robin {@code version} (the test jar). */
    private Authorization as(String who, String action, String version) {
        return Authorization.sign(who, operatorKeys.get(who).getPrivate(), action, "round-robin", version, jarDigest);
    }

    private void activate(String version, long epoch) throws IOException {
        store.upload(manifest(version), jar, as("alice", "upload", version));
        store.approve("round-robin", version, as("bob", "approve", version));
        store.scheduleActivation("round-robin", version, epoch, epoch - 1, "bob");
        store.onEpoch(epoch, "consensus");
    }

    @Test
    void walksTheWholeLegalPathAndRecordsEveryStep() throws IOException {
        assertThat(store.upload(manifest("1.0.0"), jar, as("alice", "upload", "1.0.0")).state()).isEqualTo(LifecycleState.STAGED);
        assertThat(store.approve("round-robin", "1.0.0", as("bob", "approve", "1.0.0")).state()).isEqualTo(LifecycleState.APPROVED);
        assertThat(store.scheduleActivation("round-robin", "1.0.0", 5, 3, "bob").state()).isEqualTo(LifecycleState.PENDING);
        assertThat(store.onEpoch(4, "consensus")).isEmpty();
        assertThat(store.onEpoch(5, "consensus")).singleElement().extracting(PluginStore.Entry::state).isEqualTo(LifecycleState.ACTIVE);

        activate("1.1.0", 8);
        assertThat(store.active("round-robin").orElseThrow().version()).isEqualTo("1.1.0");
        assertThat(store.find("round-robin", "1.0.0").orElseThrow().state()).isEqualTo(LifecycleState.SUPERSEDED);

        store.rollback("round-robin", "carol");
        assertThat(store.active("round-robin").orElseThrow().version()).isEqualTo("1.0.0");
        assertThat(store.find("round-robin", "1.1.0").orElseThrow().state()).isEqualTo(LifecycleState.ROLLED_BACK);

        store.upload(manifest("2.0.0"), jar, as("alice", "upload", "2.0.0"));
        store.approve("round-robin", "2.0.0", as("bob", "approve", "2.0.0"));
        store.scheduleActivation("round-robin", "2.0.0", 20, 9, "bob");
        assertThat(store.veto("round-robin", "2.0.0", "carol").state()).isEqualTo(LifecycleState.VETOED);
        assertThat(store.onEpoch(20, "consensus")).isEmpty();
        assertThat(store.retire("round-robin", "1.0.0", "carol").state()).isEqualTo(LifecycleState.RETIRED);
        assertThat(store.active("round-robin")).isEmpty();

        List<String> steps = audit.events().stream().map(e -> e.action() + ":" + e.version() + ":" + e.from() + "->" + e.to()).toList();
        assertThat(steps).containsExactly(
                "upload:1.0.0:->STAGED", "approve:1.0.0:STAGED->APPROVED", "activate:1.0.0:APPROVED->PENDING", "activated:1.0.0:PENDING->ACTIVE",
                "upload:1.1.0:->STAGED", "approve:1.1.0:STAGED->APPROVED", "activate:1.1.0:APPROVED->PENDING",
                "supersede:1.0.0:ACTIVE->SUPERSEDED", "activated:1.1.0:PENDING->ACTIVE",
                "rollback:1.1.0:ACTIVE->ROLLED_BACK", "reinstate:1.0.0:SUPERSEDED->ACTIVE",
                "upload:2.0.0:->STAGED", "approve:2.0.0:STAGED->APPROVED", "activate:2.0.0:APPROVED->PENDING", "veto:2.0.0:PENDING->VETOED",
                "retire:1.0.0:ACTIVE->RETIRED");
        assertThat(audit.verify()).isEmpty();
        // The state survives a restart of the node.
        assertThat(new PluginStore(dir.resolve("store"), verifier, operators, audit).list()).isEqualTo(store.list());
    }

    @Test
    void refusesEveryIllegalStepWithTheReasonAndAuditsTheRefusal() throws IOException {
        store.upload(manifest("1.0.0"), jar, as("alice", "upload", "1.0.0"));
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0", as("alice", "approve", "1.0.0"))).hasMessage("the uploader alice cannot approve their own plugin");
        assertThatThrownBy(() -> store.scheduleActivation("round-robin", "1.0.0", 5, 1, "bob"))
                .hasMessage("cannot activate round-robin 1.0.0: it is STAGED, activate needs APPROVED");
        assertThatThrownBy(() -> store.veto("round-robin", "1.0.0", "bob")).hasMessage("cannot veto round-robin 1.0.0: it is STAGED, veto needs PENDING");
        assertThatThrownBy(() -> store.rollback("round-robin", "bob")).hasMessage("round-robin has no active version to roll back");
        assertThatThrownBy(() -> store.upload(manifest("1.0.0"), jar, as("alice", "upload", "1.0.0"))).hasMessage("round-robin 1.0.0 is already in the store");
        assertThatThrownBy(() -> store.approve("round-robin", "9.9.9", as("bob", "approve", "9.9.9"))).hasMessage("round-robin 9.9.9 is not in the store");

        store.approve("round-robin", "1.0.0", as("bob", "approve", "1.0.0"));
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0", as("carol", "approve", "1.0.0"))).hasMessageContaining("it is APPROVED, approve needs STAGED");
        assertThatThrownBy(() -> store.scheduleActivation("round-robin", "1.0.0", 3, 3, "bob")).hasMessage("activation epoch 3 is not after the current epoch 3");
        store.scheduleActivation("round-robin", "1.0.0", 4, 3, "bob");
        assertThatThrownBy(() -> store.retire("round-robin", "1.0.0", "bob")).hasMessageContaining("it is PENDING, retire needs [STAGED, APPROVED, ACTIVE, SUPERSEDED]");
        store.onEpoch(4, "consensus");
        assertThatThrownBy(() -> store.rollback("round-robin", "bob")).hasMessage("round-robin 1.0.0 replaced no version that can run again");
        assertThatThrownBy(() -> store.veto("round-robin", "1.0.0", "bob")).hasMessageContaining("it is ACTIVE, veto needs PENDING");

        store.upload(manifest("1.1.0"), jar, as("alice", "upload", "1.1.0"));
        store.approve("round-robin", "1.1.0", as("bob", "approve", "1.1.0"));
        store.upload(manifest("1.2.0"), jar, as("alice", "upload", "1.2.0"));
        store.approve("round-robin", "1.2.0", as("bob", "approve", "1.2.0"));
        store.scheduleActivation("round-robin", "1.1.0", 9, 4, "bob");
        assertThatThrownBy(() -> store.scheduleActivation("round-robin", "1.2.0", 9, 4, "bob")).hasMessageContaining("1.1.0 is already pending activation");
        store.veto("round-robin", "1.1.0", "carol");
        assertThatThrownBy(() -> store.scheduleActivation("round-robin", "1.1.0", 10, 4, "bob")).hasMessageContaining("it is VETOED");

        assertThat(audit.events().stream().filter(e -> e.to().equals("refused")).count()).isEqualTo(13);
        assertThat(store.active("round-robin").orElseThrow().version()).isEqualTo("1.0.0");
    }

    @Test
    void uploadsAndApprovalsMustBeSignedByRegisteredOperatorKeysAndTheApproverKeyMustDiffer() throws Exception {
        // An identity this node does not know cannot upload, even with a valid signature of its own.
        KeyPair mallory = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String digest = PluginVerifier.sha256Hex(jar);
        assertThatThrownBy(() -> store.upload(manifest("1.0.0"), jar,
                Authorization.sign("mallory", mallory.getPrivate(), "upload", "round-robin", "1.0.0", digest)))
                .hasMessageContaining("mallory is not a trusted operator of this node");
        assertThatThrownBy(() -> store.upload(manifest("1.0.0"), jar, new Authorization("alice", new byte[0])))
                .hasMessage("upload of round-robin 1.0.0 by alice is not signed");
        store.upload(manifest("1.0.0"), jar, as("alice", "upload", "1.0.0"));

        // Forged: claims bob, signed with mallory's key.
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0",
                Authorization.sign("bob", mallory.getPrivate(), "approve", "round-robin", "1.0.0", digest)))
                .hasMessageContaining("the signature of bob does not verify over approve round-robin 1.0.0");
        // Replayed: bob's upload signature, or his approval of another version, does not approve this one.
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0", new Authorization("bob", as("bob", "upload", "1.0.0").signature())))
                .hasMessageContaining("does not verify");
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0", new Authorization("bob", as("bob", "approve", "1.0.1").signature())))
                .hasMessageContaining("does not verify");
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0", new Authorization("bob", null))).hasMessageContaining("is not signed");
        // Same key under another name: "alice2" registered with alice's key is still alice.
        operators.trust("alice2", operatorKeys.get("alice").getPublic());
        assertThatThrownBy(() -> store.approve("round-robin", "1.0.0",
                Authorization.sign("alice2", operatorKeys.get("alice").getPrivate(), "approve", "round-robin", "1.0.0", digest)))
                .hasMessageStartingWith("the approval is signed with the uploader's key " + Authorization.keyIdOf(operatorKeys.get("alice").getPublic()));
        assertThat(store.find("round-robin", "1.0.0").orElseThrow().state()).isEqualTo(LifecycleState.STAGED);

        PluginStore.Entry approved = store.approve("round-robin", "1.0.0", as("bob", "approve", "1.0.0"));
        assertThat(approved.uploaderKey()).isEqualTo(Authorization.keyIdOf(operatorKeys.get("alice").getPublic()));
        assertThat(approved.approverKey()).isEqualTo(Authorization.keyIdOf(operatorKeys.get("bob").getPublic()));
        List<AuditEvent> done = audit.events().stream().filter(e -> !e.to().equals("refused")).toList();
        assertThat(done).extracting(AuditEvent::keyId).containsExactly(approved.uploaderKey(), approved.approverKey());
        assertThat(audit.events().stream().filter(e -> e.to().equals("refused")).count()).isEqualTo(7);
        assertThat(audit.verify()).isEmpty();
    }

    @Test
    void refusesACorruptedJarOrManifestAtUpload() throws IOException {
        byte[] good = manifest("1.0.0");
        Path corrupt = dir.resolve("corrupt.jar");
        byte[] bytes = Files.readAllBytes(jar);
        bytes[bytes.length / 2] ^= 1;
        Files.write(corrupt, bytes);
        assertThatThrownBy(() -> store.upload(good, corrupt, as("alice", "upload", "1.0.0"))).hasMessageContaining("jar: SHA-256 is").hasMessageContaining("but the manifest says");

        String json = new String(good, StandardCharsets.UTF_8);
        byte[] tamperedVersion = json.replace("\"1.0.0\"", "\"1.0.1\"").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.upload(tamperedVersion, jar, as("alice", "upload", "1.0.1"))).hasMessageContaining("signature: does not verify under author key 'alice-key'");
        byte[] unknownField = json.replaceFirst("\\{", "{\"backdoor\": true,").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.upload(unknownField, jar, as("alice", "upload", "1.0.0"))).hasMessageContaining("manifest: unknown field 'backdoor'");
        byte[] truncated = java.util.Arrays.copyOf(good, good.length / 2);
        assertThatThrownBy(() -> store.upload(truncated, jar, as("alice", "upload", "1.0.0"))).hasMessageContaining("manifest: not a valid manifest");
        byte[] otherApi = json.replace("[1.0,2.0)", "[2.0,3.0)").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.upload(otherApi, jar, as("alice", "upload", "1.0.0"))).hasMessageContaining("needs plugin API [2.0,3.0) but this host implements 1.0");
        byte[] strangerKey = json.replace("alice-key", "mallory-key").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.upload(strangerKey, jar, as("alice", "upload", "1.0.0"))).hasMessageContaining("author key 'mallory-key' is not trusted");

        PluginManifest wrongKind = new PluginManifest(1, "round-robin", "1.0.0", "[1.0,2.0)", List.of("routing"),
                "io.backplane.plugin.samples.RoundRobinLeaderElection", PluginVerifier.sha256Hex(jar), "alice-key", "");
        assertThatThrownBy(() -> store.upload(ManifestCodec.toJson(ManifestCodec.sign(wrongKind, author.getPrivate())), jar, as("alice", "upload", "1.0.0")))
                .hasMessageContaining("entryClass: io.backplane.plugin.samples.RoundRobinLeaderElection does not implement "
                        + "io.backplane.plugin.api.RoutingStrategy (kind routing)");
        PluginManifest helper = new PluginManifest(1, "round-robin", "1.0.0", "[1.0,2.0)", List.of("leader-election"),
                "io.backplane.plugin.samples.SeededDraw", PluginVerifier.sha256Hex(jar), "alice-key", "");
        assertThatThrownBy(() -> store.upload(ManifestCodec.toJson(ManifestCodec.sign(helper, author.getPrivate())), jar, as("alice", "upload", "1.0.0")))
                .hasMessageContaining("must be a public concrete class").hasMessageContaining("no public no-argument constructor");

        assertThat(store.list()).isEmpty();
        assertThat(dir.resolve("store/round-robin")).doesNotExist();
    }

    @Test
    void theAuditChainDetectsAnEditedLine() throws IOException {
        activate("1.0.0", 2);
        Path f = audit.file();
        List<String> lines = Files.readAllLines(f);
        lines.set(1, lines.get(1).replace("\"bob\"", "\"mallory\""));
        Files.write(f, lines);
        assertThat(new HashChainedAuditLogReader(f).problems()).containsExactly("line 2: content does not match its hash");
        assertThatThrownBy(() -> new HashChainedAuditLog(f, Clock.systemUTC())).hasMessageContaining("is damaged: line 2");
    }

    @Test
    void theHeadAnchorFindsADeletedTailAReplacedLastLineAMissingHeadAndReordering() throws Exception {
        activate("1.0.0", 2);
        Path f = audit.file();
        Path head = HashChainedAuditLog.headFile(f);
        List<String> lines = Files.readAllLines(f);
        assertThat(lines).hasSize(4);
        assertThat(audit.check()).isEqualTo(new HashChainedAuditLog.Verification(4, 4, 0, List.of()));
        byte[] original = Files.readAllBytes(f);

        // A deleted tail keeps a perfect chain; only the head knows the log went further.
        Files.write(f, lines.subList(0, 3));
        assertThat(audit.check().problems()).containsExactly("the log ends at entry 3 but the head anchor says 4: entries 4..4 were deleted");
        assertThatThrownBy(() -> new HashChainedAuditLog(f, Clock.systemUTC())).hasMessageContaining("entries 4..4 were deleted");

        // The last line replaced by a well-chained different one: its hash is not the anchored hash.
        Path other = dir.resolve("other/audit.jsonl");
        HashChainedAuditLog twin = new HashChainedAuditLog(other, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        List<AuditEvent> events = audit.events();
        for (int i = 0; i < 3; i++) {
            twin.append(events.get(i));
        }
        twin.append(new AuditEvent("mallory", "activated", "round-robin", "1.0.0", "PENDING", "ACTIVE", "epoch 2"));
        Files.copy(other, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(audit.check().problems()).containsExactly("line 4: does not match the head anchor (edited or replaced)");

        // Reordered lines break the chain.
        List<String> swapped = new java.util.ArrayList<>(lines);
        java.util.Collections.swap(swapped, 1, 2);
        Files.write(f, swapped);
        assertThat(audit.check().problems()).contains("line 2: does not follow line 1", "line 3: does not follow line 2");

        // A deleted head with a non-empty log is reported, not silently accepted.
        Files.write(f, original);
        byte[] headBytes = Files.readAllBytes(head);
        Files.delete(head);
        assertThat(audit.check().problems()).singleElement().asString().contains("is missing");

        // A crash between an append and the head update leaves one entry past the head: opening re-anchors it.
        String hash3 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(2)).get("hash").asText();
        Files.writeString(head, "{\"seq\":3,\"hash\":\"" + hash3 + "\"}\n");
        assertThat(audit.check().unanchored()).isEqualTo(1);
        assertThat(audit.check().problems()).isEmpty();
        HashChainedAuditLog.Verification crash = new HashChainedAuditLog(f, Clock.systemUTC()).check();
        assertThat(crash.problems()).isEmpty();
        assertThat(crash.headSeq()).isEqualTo(4);
        assertThat(Files.readAllBytes(head)).isEqualTo(headBytes);
    }

    @Test
    void aLogFromBeforeKeyIdsAndHeadsStillVerifiesAndIsAnchoredWhenOpened() throws Exception {
        // Two v1 lines (no keyId field, v1 hash domain), written as the previous release wrote them.
        Path f = dir.resolve("legacy/audit.jsonl");
        Files.createDirectories(f.getParent());
        String prev = "0".repeat(64);
        StringBuilder log = new StringBuilder();
        for (int n = 1; n <= 2; n++) {
            String time = "2026-01-01T00:00:0" + n + "Z";
            byte[] body = new io.backplane.codec.CanonicalWriter(256).string("backplane-plugin-audit-v1").string(prev).u64(n).string(time)
                    .string("alice").string("upload").string("p").string(n + ".0.0").string("").string("STAGED").string("").toByteArray();
            String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body));
            log.append("{\"seq\":").append(n).append(",\"time\":\"").append(time).append("\",\"actor\":\"alice\",\"action\":\"upload\",")
                    .append("\"pluginId\":\"p\",\"version\":\"").append(n).append(".0.0\",\"from\":\"\",\"to\":\"STAGED\",\"detail\":\"\",")
                    .append("\"prev\":\"").append(prev).append("\",\"hash\":\"").append(hash).append("\"}\n");
            prev = hash;
        }
        Files.writeString(f, log);
        assertThat(HashChainedAuditLog.checkFile(f)).isEqualTo(new HashChainedAuditLog.Verification(2, 0, 2, List.of()));
        HashChainedAuditLog opened = new HashChainedAuditLog(f, Clock.systemUTC());
        assertThat(opened.check()).isEqualTo(new HashChainedAuditLog.Verification(2, 2, 0, List.of()));
        opened.append(new AuditEvent("bob", "approve", "p", "1.0.0", "STAGED", "APPROVED", "", "0123456789abcdef"));
        assertThat(opened.check().problems()).isEmpty();

        // Stripping keyId from a v2 line does not turn it into a valid v1 line.
        List<String> lines = Files.readAllLines(f);
        Files.write(f, List.of(lines.get(0), lines.get(1), lines.get(2).replace(",\"keyId\":\"0123456789abcdef\"", "")));
        assertThat(HashChainedAuditLog.checkFile(f).problems()).contains("line 3: content does not match its hash");
        // Nor does deleting the head of a log that has v2 lines pass.
        Files.write(f, lines);
        Files.delete(HashChainedAuditLog.headFile(f));
        assertThat(HashChainedAuditLog.checkFile(f).problems()).singleElement().asString().contains("is missing");
    }

    @Test
    void anEntryStagedBeforeSignedUploadsCannotBeApprovedAndSaysWhatToDo() throws Exception {
        Path old = Files.createDirectories(dir.resolve("old-store"));
        Files.writeString(old.resolve("state.json"), """
                [{"id": "round-robin", "version": "0.9.0", "state": "STAGED", "uploader": "alice", "approver": "",
                  "activationEpoch": 0, "replaces": "", "kinds": ["leader-election"]}]
                """);
        PluginStore legacy = new PluginStore(old, verifier, operators, audit);
        assertThat(legacy.list()).singleElement().extracting(PluginStore.Entry::jarSha256).isEqualTo("");
        assertThatThrownBy(() -> legacy.approve("round-robin", "0.9.0", as("bob", "approve", "0.9.0")))
                .hasMessage("round-robin 0.9.0 was staged before uploads were signed: retire it and upload it again with an operator key");
        assertThat(legacy.retire("round-robin", "0.9.0", "bob").state()).isEqualTo(LifecycleState.RETIRED);
    }

    /** Reads a damaged log without refusing it, as an auditor would. */
    private record HashChainedAuditLogReader(Path file) {
        List<String> problems() {
            try {
                new HashChainedAuditLog(file, Clock.systemUTC());
                return List.of();
            } catch (IllegalStateException e) {
                return List.of(e.getMessage().substring(e.getMessage().indexOf("line ")));
            }
        }
    }
}
