package io.backplane.admin.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.backplane.admin.model.AdminViews;
import io.backplane.admin.model.Check;
import io.backplane.admin.model.Principal;
import io.backplane.admin.model.Refused;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ValidatedRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The admin API: Vert.x 5 web over TLS only (the node's identity key, through the token's key managers), routes
 * generated from the OpenAPI 3.1 description in this package ({@code openapi.json}), requests validated against it by
 * {@code vertx-web-openapi-router}, every operation authorised by the roles its {@code x-roles} names
 * ({@link Gatekeeper}). Views are called on Vert.x worker threads, never on the event loop.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where the description lives on the class path. */
    public static final String OPENAPI_RESOURCE = "/io/backplane/admin/server/openapi.json";

    /**
     * How the server listens and whom it believes: {@code keys} (the TLS server key, the node identity key in the
     * token), {@code clientCas} (the admin CA certificates client certificates must chain to; empty: no client
     * certificates), {@code tokenFile} (the hashed bearer tokens), the body limit and the failure rate limit.
     */
    public record Settings(InetSocketAddress listen, KeyManagerFactory keys, List<X509Certificate> clientCas, Path tokenFile,
                           int maxBodyBytes, int maxFailures, long failureWindowMillis, int maxRequestsPerSecond) {
        public Settings {
            clientCas = List.copyOf(clientCas);
        }

        public static Settings defaults(InetSocketAddress listen, KeyManagerFactory keys, List<X509Certificate> clientCas, Path tokenFile) {
            // 4 MiB: the largest body is a guard history (a busy key's recent signed digests run to hundreds of KiB)
            // 100 requests/s: far above what operators, probes and dashboards send, and a bound on the CPU the admin
            // plane can take from consensus on the same cores when something floods it (measured: scripts/admin-load)
            return new Settings(listen, keys, clientCas, tokenFile, 4 * 1024 * 1024, 10, 60_000, 100);
        }
    }

    private final Vertx vertx;
    private final HttpServer server;

    private AdminServer(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    /** The description this server serves and routes by. */
    public static JsonObject description() {
        try (InputStream in = AdminServer.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the class path");
            }
            return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts listening; answers once the port is bound (a port in use or a bad description fails here). */
    public static AdminServer start(Settings settings, AdminViews views) throws IOException {
        // One event loop and two workers: the admin plane stays small beside consensus on the same cores.
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
        try {
            OpenAPIContract contract = OpenAPIContract.from(vertx, description()).await(30, TimeUnit.SECONDS);
            Gatekeeper gate = new Gatekeeper(contract, settings.tokenFile(),
                    new FailureLimiter(settings.maxFailures(), settings.failureWindowMillis(), 10_000, System::currentTimeMillis),
                    new RequestBudget(settings.maxRequestsPerSecond(), System::nanoTime));
            RouterBuilder rb = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
            rb.rootHandler(gate);
            rb.rootHandler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()));
            routes(rb, views, gate);
            Router router = rb.createRouter();
            Errors.install(router);
            HttpServerOptions options = new HttpServerOptions()
                    .setHost(settings.listen().getHostString()).setPort(settings.listen().getPort())
                    .setSsl(true)
                    .setKeyCertOptions(KeyCertOptions.wrap(settings.keys()))
                    .setEnabledSecureTransportProtocols(Set.of("TLSv1.3", "TLSv1.2"))
                    .setMaxFormAttributeSize(settings.maxBodyBytes())
                    .setIdleTimeout(60).setIdleTimeoutUnit(TimeUnit.SECONDS);
            if (!settings.clientCas().isEmpty()) {
                options.setClientAuth(ClientAuth.REQUEST).setTrustOptions(TrustOptions.wrap(trust(settings.clientCas())));
            }
            HttpServer server = vertx.createHttpServer(options).requestHandler(router).listen().await(30, TimeUnit.SECONDS);
            LOG.info("admin API on https://{}:{} ({} client certificate authorities)", settings.listen().getHostString(), server.actualPort(),
                    settings.clientCas().size());
            return new AdminServer(vertx, server);
        } catch (Exception e) {
            vertx.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("admin API did not start on " + settings.listen() + ": " + e.getMessage(), e);
        }
    }

    private static TrustManagerFactory trust(List<X509Certificate> cas) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            ks.setCertificateEntry("admin-ca-" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    private static void routes(RouterBuilder rb, AdminViews v, Gatekeeper gate) {
        for (OpenAPIRoute r : rb.getRoutes()) {
            r.setDoSecurity(false); // the Gatekeeper (a root handler) authenticates and authorises, by x-roles, before validation
            r.addHandler(gate.admittedFor(r.getOperation().getOperationId())); // and the route checks it was admitted for itself
        }
        String description = description().encode();
        rb.getRoute("healthLive").addHandler(rc -> json(rc, 200, Map.of("live", true)));
        rb.getRoute("healthReady").addHandler(rc -> blocking(rc, () -> {
            List<Check> checks = v.node().readiness();
            boolean ready = checks.stream().allMatch(Check::ok);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("ready", ready);
            doc.put("checks", checks);
            return new Reply(ready ? 200 : 503, doc);
        }));
        page(rb, "dashboard", "index.html", "text/html; charset=utf-8");
        page(rb, "dashboardScript", "app.js", "text/javascript; charset=utf-8");
        page(rb, "dashboardStyle", "style.css", "text/css; charset=utf-8");
        rb.getRoute("openApi").addHandler(rc -> rc.response().putHeader("content-type", "application/json").end(description));
        rb.getRoute("metrics").addHandler(rc -> rc.vertx().executeBlocking(() -> v.node().metrics(), false).onComplete(ar -> {
            if (ar.succeeded()) {
                rc.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
            } else {
                rc.fail(ar.cause());
            }
        }));
        rb.getRoute("status").addHandler(rc -> blocking(rc, () -> new Reply(200, v.node().status())));
        rb.getRoute("accelerator").addHandler(rc -> blocking(rc, () -> new Reply(200, v.node().accelerator())));
        rb.getRoute("listKeys").addHandler(rc -> blocking(rc, () -> new Reply(200, Map.of("keys", v.keys().keys()))));
        rb.getRoute("guardHistory").addHandler(rc -> blocking(rc, () -> new Reply(200, v.keys().guardHistory())));
        rb.getRoute("generateBls").addHandler(rc -> change(rc, v, "keys.generate-bls", "bls", 200, () -> v.keys().generateBls()));
        rb.getRoute("importGuardHistory").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String json = req.getBody().getJsonObject().encode();
            change(rc, v, "keys.guard-import", "guard-history", 200, () -> v.keys().importGuardHistory(json));
        });
        rb.getRoute("exportKey").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String id = req.getPathParameters().get("keyId").getString();
            change(rc, v, "keys.export", id, 200, () -> v.keys().exportSealed(id));
        });
        rb.getRoute("importKey").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            JsonObject body = req.getBody().getJsonObject();
            change(rc, v, "keys.import", body.getString("id", "sealed"), 200, () -> v.keys().importSealed(body.encode()));
        });
        rb.getRoute("listPlugins").addHandler(rc -> blocking(rc, () -> new Reply(200, Map.of("plugins", v.plugins().plugins()))));
        rb.getRoute("uploadPlugin").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            JsonObject body = req.getBody().getJsonObject();
            byte[] manifest;
            byte[] jar;
            try {
                manifest = Base64.getDecoder().decode(body.getString("manifest"));
                jar = Base64.getDecoder().decode(body.getString("jar"));
            } catch (IllegalArgumentException e) {
                Errors.send(rc, 400, "manifest and jar must be base64: " + e.getMessage());
                return;
            }
            byte[] signature = HexFormat.of().parseHex(body.getString("signature"));
            Principal who = rc.get(Gatekeeper.PRINCIPAL);
            change(rc, v, "plugin.upload", "jar sha256 " + sha256Hex(jar), 201, () -> v.plugins().upload(who, manifest, jar, signature));
        });
        rb.getRoute("approvePlugin").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            byte[] signature = HexFormat.of().parseHex(req.getBody().getJsonObject().getString("signature"));
            pluginStep(rc, v, "plugin.approve", (who, id, version) -> v.plugins().approve(who, id, version, signature));
        });
        rb.getRoute("vetoPlugin").addHandler(rc -> pluginStep(rc, v, "plugin.veto", (who, id, version) -> v.plugins().veto(who, id, version)));
        rb.getRoute("retirePlugin").addHandler(rc -> pluginStep(rc, v, "plugin.retire", (who, id, version) -> v.plugins().retire(who, id, version)));
        rb.getRoute("listFlags").addHandler(rc -> blocking(rc, () -> new Reply(200, Map.of("flags", v.flags().flags()))));
        rb.getRoute("setFlag").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String id = req.getPathParameters().get("pluginId").getString();
            boolean enabled = req.getBody().getJsonObject().getBoolean("enabled");
            change(rc, v, "flag.set", id + "=" + enabled, 200, () -> v.flags().set(id, enabled));
        });
        rb.getRoute("clearFlag").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String id = req.getPathParameters().get("pluginId").getString();
            change(rc, v, "flag.clear", id, 200, () -> v.flags().clear(id));
        });
        rb.getRoute("startBench").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            JsonObject body = req.getBody().getJsonObject();
            List<String> ops = body.getJsonArray("ops").stream().map(String::valueOf).toList();
            int maxPointMs = body.getInteger("maxPointMs", 200);
            change(rc, v, "bench.start", String.join(",", ops) + " maxPointMs=" + maxPointMs, 202, () -> v.bench().start(ops, maxPointMs));
        });
        rb.getRoute("getBench").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            String id = req.getPathParameters().get("id").getString();
            blocking(rc, () -> new Reply(200, v.bench().job(id)));
        });
        rb.getRoute("auditPage").addHandler(rc -> {
            ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
            long from = queryLong(req, "from", 0);
            int limit = (int) queryLong(req, "limit", 100);
            blocking(rc, () -> new Reply(200, v.audit().page(from, limit)));
        });
        rb.getRoute("auditVerify").addHandler(rc -> blocking(rc, () -> new Reply(200, v.audit().verify())));
    }

    private static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface PluginStep {
        Map<String, Object> apply(Principal who, String id, String version);
    }

    /** A lifecycle step on the plugin version the path names: audited as any change. */
    private static void pluginStep(RoutingContext rc, AdminViews v, String action, PluginStep step) {
        ValidatedRequest req = rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
        String id = req.getPathParameters().get("pluginId").getString();
        String version = req.getPathParameters().get("version").getString();
        Principal who = rc.get(Gatekeeper.PRINCIPAL);
        change(rc, v, action, id + " " + version, 200, () -> step.apply(who, id, version));
    }

    /** One file of the dashboard, from the class path, under a policy that runs only this origin's scripts and styles. */
    private static void page(RouterBuilder rb, String operationId, String file, String type) {
        byte[] bytes;
        try (InputStream in = AdminServer.class.getResourceAsStream("/io/backplane/admin/server/dashboard/" + file)) {
            if (in == null) {
                throw new IllegalStateException("dashboard/" + file + " is missing from the class path");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(bytes);
        rb.getRoute(operationId).addHandler(rc -> rc.response().putHeader("content-type", type)
                .putHeader("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
                .putHeader("x-content-type-options", "nosniff").putHeader("referrer-policy", "no-referrer").end(body));
    }

    private static long queryLong(ValidatedRequest req, String name, long fallback) {
        var p = req.getQuery().get(name);
        return p == null || p.isNull() ? fallback : p.getLong();
    }

    /**
     * A change: recorded in the audit log as requested (if that fails, nothing is applied), applied by the view, then
     * recorded with its outcome (also when refused or failed) — so no change is ever applied unaudited.
     */
    private static void change(RoutingContext rc, AdminViews v, String action, String target, int status, Callable<Map<String, Object>> apply) {
        Principal who = rc.get(Gatekeeper.PRINCIPAL);
        blocking(rc, () -> {
            v.audit().record(who, action, target, "requested");
            Map<String, Object> result;
            try {
                result = apply.call();
            } catch (Refused r) {
                v.audit().record(who, action, target, "refused: " + r.getMessage());
                throw r;
            } catch (RuntimeException e) {
                v.audit().record(who, action, target, "failed: " + e);
                throw e;
            }
            v.audit().record(who, action, target, "ok");
            LOG.info("admin: {} by {} ({}, {}): ok", action, who.name(), who.via(), target);
            return new Reply(status, result);
        });
    }

    private record Reply(int status, Object body) {
    }

    private static void blocking(RoutingContext rc, Callable<Reply> work) {
        rc.vertx().executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                json(rc, ar.result().status(), ar.result().body());
            } else if (ar.cause() instanceof Refused r) {
                Errors.send(rc, r.status(), r.getMessage());
            } else {
                rc.fail(ar.cause());
            }
        });
    }

    static void json(RoutingContext rc, int status, Object body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            rc.fail(e);
            return;
        }
        rc.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store").end(io.vertx.core.buffer.Buffer.buffer(bytes));
    }

    /** The bound port (the listen address's port 0 picks a free one). */
    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            server.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("admin API did not close cleanly: {}", e.toString());
        } finally {
            vertx.close();
        }
    }
}
