package io.backplane.node.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client port as a hostile client meets it: every bad request is answered 4xx with its reason and reaches no node code. */
class ClientServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile String busyOrThrow = "accept";
    private final ClientServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ClientServerTest() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        server = new ClientServer(any, any, new ClientServer.Api() {
            @Override
            public ArrayNode submit(JsonNode txs) {
                calls.incrementAndGet();
                if ("throw".equals(busyOrThrow)) {
                    throw new IllegalStateException("secret internal detail");
                }
                ArrayNode out = JSON.createArrayNode();
                for (JsonNode ignored : txs) {
                    ObjectNode o = out.addObject();
                    if ("busy".equals(busyOrThrow)) {
                        o.put("status", "busy").put("retryAfterMs", 1500);
                    } else {
                        o.put("status", "accepted");
                    }
                }
                return out;
            }

            @Override
            public ObjectNode txStatus(byte[] hash) {
                calls.incrementAndGet();
                return JSON.createObjectNode().put("status", "unknown");
            }

            @Override
            public ObjectNode read(byte[] key) {
                calls.incrementAndGet();
                return JSON.createObjectNode();
            }

            @Override
            public ObjectNode account(byte[] publicKey) {
                calls.incrementAndGet();
                return JSON.createObjectNode();
            }

            @Override
            public NodeStatus status() {
                throw new UnsupportedOperationException();
            }

            @Override
            public ObjectNode block(long height) {
                calls.incrementAndGet();
                return JSON.createObjectNode();
            }

            @Override
            public byte[] metrics() {
                return "backplane_up 1\n".getBytes(StandardCharsets.UTF_8);
            }
        });
    }

    @AfterEach
    void close() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.clientAddress().getPort() + path))
                .timeout(Duration.ofSeconds(20));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody()) : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String txs(int n) {
        List<String> hex = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hex.add("\"00\"");
        }
        return "{\"txs\":[" + String.join(",", hex) + "]}";
    }

    @Test
    void tooManyTransactionsAnOversizeBodyAndMalformedJsonAre400AndReachNothing() throws Exception {
        HttpResponse<String> many = send("POST", "/v1/tx", txs(ClientServer.MAX_TXS_PER_REQUEST + 1));
        assertEquals(400, many.statusCode());
        assertTrue(many.body().contains("at most " + ClientServer.MAX_TXS_PER_REQUEST), many.body());
        HttpResponse<String> huge = send("POST", "/v1/tx", "{\"txs\":[\"" + "0".repeat(ClientServer.MAX_BODY) + "\"]}");
        assertEquals(400, huge.statusCode());
        assertEquals(400, send("POST", "/v1/tx", "{\"txs\":[\"00\"").statusCode());
        assertEquals(400, send("POST", "/v1/tx", "{\"tx\":[]}").statusCode());
        assertEquals(400, send("POST", "/v1/tx", "[1,2]").statusCode());
        assertEquals(0, calls.get(), "a refused request reached the node");
        assertEquals(200, send("POST", "/v1/tx", txs(ClientServer.MAX_TXS_PER_REQUEST)).statusCode());
        assertEquals(1, calls.get());
    }

    @Test
    void badHexAnEmptyKeyABadHeightAndAWrongMethodAreRefusedByName() throws Exception {
        assertEquals(400, send("GET", "/v1/tx/zz", null).statusCode());
        assertEquals(400, send("GET", "/v1/state/", null).statusCode());
        assertEquals(400, send("GET", "/v1/state/0x", null).statusCode());
        assertEquals(400, send("GET", "/v1/account/abc", null).statusCode());
        assertEquals(400, send("GET", "/v1/block/ten", null).statusCode());
        HttpResponse<String> wrong = send("GET", "/v1/tx", null);
        assertEquals(405, wrong.statusCode());
        assertTrue(JSON.readTree(wrong.body()).path("error").path("message").asText().contains("takes POST"), wrong.body());
        assertEquals(405, send("DELETE", "/v1/state/00", null).statusCode());
        assertEquals(0, calls.get());
    }

    @Test
    void allBusyIs503WithRetryAfterAndAnInternalFailureShowsNoInternals() throws Exception {
        busyOrThrow = "busy";
        HttpResponse<String> busy = send("POST", "/v1/tx", txs(3));
        assertEquals(503, busy.statusCode());
        assertEquals("2", busy.headers().firstValue("Retry-After").orElse(""));
        busyOrThrow = "throw";
        HttpResponse<String> failed = send("POST", "/v1/tx", txs(1));
        assertEquals(500, failed.statusCode());
        assertFalse(failed.body().contains("secret"), failed.body());
    }

    @Test
    void clientsThatHoldTheClientPoolDoNotSilenceTheMetrics() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.clientAddress().getPort());
                OutputStream out = s.getOutputStream();
                out.write("POST /v1/tx HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slow.add(s);
            }
            Thread.sleep(200);
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsAddress().getPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            assertTrue(m.body().contains("backplane_up"));
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }
}
