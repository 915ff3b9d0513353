package io.backplane.provisioning.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a node's state through its admin API and applies a {@link Plan}'s changes one request at a time, in order.
 * Every step is one idempotent-by-plan request (a key generated, a flag set or removed), so when one fails the ones
 * before it stay applied and a second {@code apply} plans only what is left.
 */
public final class Applier {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The admin API as the applier uses it: a JSON answer, or an {@link Answered} for any status of 300 and more. */
    public interface Api {
        JsonNode send(String method, String path, String json) throws IOException, InterruptedException;
    }

    /** The API answered a request with an error status and message. */
    public static final class Answered extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        public Answered(int status, String message) {
            super(status + " " + message);
            this.status = status;
        }

        public int status() {
            return status;
        }

        /** 401, 403 or 429: the credentials, not the request, were refused. */
        public boolean credentialsRefused() {
            return status == 401 || status == 403 || status == 429;
        }
    }

    /** A step failed: which one, why, and the changes applied before it. */
    public static final class StepFailed extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Plan.Step step;
        private final int applied;

        StepFailed(Plan.Step step, int applied, Exception cause) {
            super(cause.getMessage(), cause);
            this.step = step;
            this.applied = applied;
        }

        public Plan.Step step() {
            return step;
        }

        public int applied() {
            return applied;
        }
    }

    private Applier() {
    }

    /**
     * The node's id and chain ({@code GET /v1/status}), and what {@code box} asks about: its keys' types
     * ({@code GET /v1/keys}), its flags ({@code GET /v1/flags}), its store's plugin versions ({@code GET /v1/plugins}).
     */
    public static Plan.NodeState read(BoxFile box, Api api) throws IOException, InterruptedException {
        JsonNode status = api.send("GET", "/v1/status", null);
        List<String> types = new ArrayList<>();
        if (box.identity() != null || box.bls() != null) {
            api.send("GET", "/v1/keys", null).path("keys").forEach(k -> types.add(k.path("type").asText()));
        }
        Map<String, Boolean> flags = new LinkedHashMap<>();
        if (box.flags() != null) {
            api.send("GET", "/v1/flags", null).path("flags").properties().forEach(e -> flags.put(e.getKey(), e.getValue().path("enabled").asBoolean()));
        }
        Map<String, String> plugins = new LinkedHashMap<>();
        if (box.plugins() != null) {
            for (JsonNode p : api.send("GET", "/v1/plugins", null).path("plugins")) {
                if (p.path("kind").asText().equals("store")) {
                    plugins.put(p.path("id").asText() + " " + p.path("version").asText(), p.path("state").asText());
                }
            }
        }
        return new Plan.NodeState(status.path("id").asText(), status.path("chainId").asText(), types, flags, plugins);
    }

    /**
     * Applies the plan's changes in order, telling {@code applied} after each; answers how many were applied. The
     * first failure stops it ({@link StepFailed}: the step, the cause, how many went before).
     */
    public static int apply(BoxFile box, Plan plan, Api api, Consumer<Plan.Step> applied) throws StepFailed, InterruptedException {
        int done = 0;
        for (Plan.Step s : plan.changes()) {
            try {
                request(box, s, api);
            } catch (IOException | RuntimeException e) {
                throw new StepFailed(s, done, e);
            }
            done++;
            applied.accept(s);
        }
        return done;
    }

    private static void request(BoxFile box, Plan.Step s, Api api) throws IOException, InterruptedException {
        switch (s.kind() + " " + s.action()) {
            case "key create" -> api.send("POST", "/v1/keys/bls", null);
            case "flag create", "flag change" -> api.send("PUT", "/v1/flags/" + path(s.name()),
                    JSON.writeValueAsString(Map.of("enabled", box.flags().value().get(s.name()).value())));
            case "flag delete" -> api.send("DELETE", "/v1/flags/" + path(s.name()), null);
            case "plugin create" -> api.send("POST", "/v1/plugins", upload(box.plugins().get(s.name().split(" ")[0])));
            case "plugin change" -> {
                BoxFile.PluginWanted p = box.plugins().get(s.name().split(" ")[0]);
                api.send("POST", "/v1/plugins/" + path(p.id()) + "/" + path(p.version()) + "/retire", null);
            }
            default -> throw new IllegalStateException("no request applies " + s.action() + " " + s.kind());
        }
    }

    /** The upload body: the manifest's bytes and the jar as base64, and the upload signed with the uploader's operator key. */
    private static String upload(BoxFile.PluginWanted p) throws IOException {
        byte[] manifest = Files.readAllBytes(p.manifest());
        byte[] jar = Files.readAllBytes(p.jar());
        io.backplane.plugin.api.PluginManifest m;
        try {
            m = io.backplane.plugin.host.ManifestCodec.parse(manifest);
        } catch (io.backplane.plugin.host.ManifestCodec.ManifestException e) {
            throw new IOException(p.manifest() + " is not a plugin manifest: " + e.getMessage(), e);
        }
        if (!m.id().equals(p.id()) || !m.version().equals(p.version())) {
            throw new IOException(p.manifest() + " describes " + m.id() + " " + m.version() + ", not " + p.id() + " " + p.version());
        }
        java.security.PrivateKey key;
        try {
            key = io.backplane.plugin.host.lifecycle.Authorization.readKey(p.signer());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        byte[] signature = io.backplane.plugin.host.lifecycle.Authorization.sign("", key, "upload", m.id(), m.version(), m.jarSha256()).signature();
        Base64.Encoder b64 = Base64.getEncoder();
        return JSON.writeValueAsString(Map.of("manifest", b64.encodeToString(manifest), "jar", b64.encodeToString(jar),
                "signature", HexFormat.of().formatHex(signature)));
    }

    private static String path(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }
}
