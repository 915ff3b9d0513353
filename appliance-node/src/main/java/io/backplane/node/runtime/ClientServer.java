package io.backplane.node.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client ingress over HTTP/JSON on its own port (JDK HTTP server; chosen over the framed peer protocol so that any
 * HTTP client, {@code curl} included, can submit and read): {@code POST /v1/tx} {@code {"txs":[hex…]}} answers one
 * result per transaction ({@code accepted} with its hash, {@code rejected} with the reason, or {@code busy} with
 * {@code retryAfterMs}; HTTP 503 with {@code Retry-After} when every one was busy); {@code GET /v1/tx/HASH}
 * ({@code pending}, {@code committed} with its height, or {@code unknown}); {@code GET /v1/state/KEY} (the value or
 * null, with its inclusion or non-inclusion proof, the state root and the height it is at); {@code GET /v1/account/PK}
 * (balance and next nonce; {@code POST /v1/accounts} {@code {"accounts":[hex…]}} for many); {@code GET /v1/status};
 * {@code GET /v1/block/HEIGHT} (the committed block's id and the state root after it). Bodies are capped; a malformed
 * request gets 400 with the reason and changes nothing. A separate server on the metrics port serves {@code /metrics}.
 */
final class ClientServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientServer.class);
    static final int MAX_BODY = 8 << 20;
    /** Transactions one POST may carry (about a block's worth); more is refused before anything is decoded. */
    static final int MAX_TXS_PER_REQUEST = 4096;
    /** Accounts one POST /v1/accounts may name. */
    static final int MAX_ACCOUNTS_PER_REQUEST = 8192;

    static {
        // The JDK server's only defences against slow clients: a request must arrive, and a response leave, within
        // these seconds, and idle connections are closed (set unless the operator set them).
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "30"));
        System.setProperty("sun.net.httpserver.idleInterval", System.getProperty("sun.net.httpserver.idleInterval", "30"));
        System.setProperty("sun.net.httpserver.maxIdleConnections", System.getProperty("sun.net.httpserver.maxIdleConnections", "64"));
    }
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server asks the node. */
    interface Api {
        ArrayNode submit(JsonNode txs);
        ObjectNode txStatus(byte[] hash);
        ObjectNode read(byte[] key);
        ObjectNode account(byte[] publicKey);
        NodeStatus status();
        ObjectNode block(long height);
        byte[] metrics();
    }

    private final HttpServer client;
    private final HttpServer metrics;
    private final ExecutorService pool;
    private final ExecutorService metricsPool;

    ClientServer(InetSocketAddress clientAddress, InetSocketAddress metricsAddress, Api api) throws IOException {
        pool = Executors.newFixedThreadPool(4, r -> ConsensusLoop.daemon(r, "client"));
        client = HttpServer.create(clientAddress, 256);
        client.setExecutor(pool);
        client.createContext("/v1/tx", ex -> handle(ex, () -> {
            String rest = ex.getRequestURI().getPath().substring("/v1/tx".length());
            if (rest.isEmpty() || rest.equals("/")) {
                requireMethod(ex, "POST");
                JsonNode body = JSON.readTree(body(ex));
                if (body == null || !body.path("txs").isArray()) {
                    throw new BadRequest("the body must be {\"txs\": [hex, ...]}");
                }
                if (body.get("txs").size() > MAX_TXS_PER_REQUEST) {
                    throw new BadRequest("at most " + MAX_TXS_PER_REQUEST + " transactions per request, got " + body.get("txs").size());
                }
                ArrayNode results = api.submit(body.get("txs"));
                boolean allBusy = !results.isEmpty();
                long retry = 0;
                for (JsonNode r : results) {
                    allBusy &= "busy".equals(r.path("status").asText());
                    retry = Math.max(retry, r.path("retryAfterMs").asLong(0));
                }
                ObjectNode doc = JSON.createObjectNode();
                doc.set("results", results);
                if (allBusy) {
                    ex.getResponseHeaders().add("Retry-After", Long.toString(Math.max(1, (retry + 999) / 1000)));
                    return new Reply(503, doc);
                }
                return new Reply(200, doc);
            }
            requireMethod(ex, "GET");
            return new Reply(200, api.txStatus(hex(rest.substring(1), "transaction hash")));
        }));
        client.createContext("/v1/state/", ex -> handle(ex, () -> {
            requireMethod(ex, "GET");
            return new Reply(200, api.read(hex(ex.getRequestURI().getPath().substring("/v1/state/".length()), "key")));
        }));
        client.createContext("/v1/accounts", ex -> handle(ex, () -> {
            requireMethod(ex, "POST");
            JsonNode body = JSON.readTree(body(ex));
            if (body == null || !body.path("accounts").isArray() || body.get("accounts").size() > MAX_ACCOUNTS_PER_REQUEST) {
                throw new BadRequest("the body must be {\"accounts\": [hex, ...]} (at most " + MAX_ACCOUNTS_PER_REQUEST + ")");
            }
            ArrayNode out = JSON.createArrayNode();
            for (JsonNode a : body.get("accounts")) {
                out.add(api.account(hex(a.asText(), "account")));
            }
            ObjectNode doc = JSON.createObjectNode();
            doc.set("accounts", out);
            return new Reply(200, doc);
        }));
        client.createContext("/v1/account/", ex -> handle(ex, () -> {
            requireMethod(ex, "GET");
            return new Reply(200, api.account(hex(ex.getRequestURI().getPath().substring("/v1/account/".length()), "account")));
        }));
        client.createContext("/v1/status", ex -> handle(ex, () -> {
            requireMethod(ex, "GET");
            return new Reply(200, JSON.valueToTree(api.status()));
        }));
        client.createContext("/v1/block/", ex -> handle(ex, () -> {
            requireMethod(ex, "GET");
            String h = ex.getRequestURI().getPath().substring("/v1/block/".length());
            try {
                return new Reply(200, api.block(Long.parseLong(h)));
            } catch (NumberFormatException e) {
                throw new BadRequest("height must be a number, got '" + h + "'");
            }
        }));
        metrics = HttpServer.create(metricsAddress, 16);
        metricsPool = Executors.newSingleThreadExecutor(r -> ConsensusLoop.daemon(r, "metrics"));
        metrics.setExecutor(metricsPool); // its own thread: clients that hold the client pool do not silence the metrics
        metrics.createContext("/metrics", ex -> {
            try (ex) {
                byte[] text = api.metrics();
                ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, text.length);
                ex.getResponseBody().write(text);
            }
        });
        client.start();
        metrics.start();
    }

    InetSocketAddress clientAddress() {
        return client.getAddress();
    }

    InetSocketAddress metricsAddress() {
        return metrics.getAddress();
    }

    private record Reply(int code, JsonNode body) {
    }

    private interface Handler {
        Reply run() throws IOException;
    }

    static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    private static void handle(HttpExchange ex, Handler h) {
        try (ex) {
            Reply r;
            try {
                r = h.run();
            } catch (BadRequest | com.fasterxml.jackson.core.JacksonException e) {
                r = error(400, e.getMessage());
            } catch (MethodNotAllowed e) {
                r = error(405, e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("client request {} failed: {}", ex.getRequestURI(), e.toString(), e);
                r = error(500, "internal error (logged by the node)");
            }
            byte[] bytes = JSON.writeValueAsBytes(r.body());
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(r.code(), bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("client connection closed: {}", e.toString());
        }
    }

    private static Reply error(int code, String message) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putObject("error").put("code", code).put("message", message == null ? "" : Genesis.firstLine(message));
        return new Reply(code, doc);
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!method.equals(ex.getRequestMethod())) {
            throw new MethodNotAllowed(ex.getRequestURI().getPath() + " takes " + method + ", not " + ex.getRequestMethod());
        }
    }

    static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MethodNotAllowed(String message) {
            super(message);
        }
    }

    private static byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new BadRequest("request body over " + MAX_BODY + " bytes");
            }
            return b;
        }
    }

    static byte[] hex(String s, String what) {
        String digits = s.startsWith("0x") ? s.substring(2) : s;
        if (digits.isEmpty()) {
            throw new BadRequest(what + " is missing (hex)");
        }
        try {
            return HexFormat.of().parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(what + " must be hex");
        }
    }

    @Override
    public void close() {
        client.stop(0);
        metrics.stop(0);
        pool.shutdownNow();
        metricsPool.shutdownNow();
    }
}
