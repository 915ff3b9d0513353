package io.backplane.provisioning.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A client of one node's HTTP/JSON ingress (status, blocks, accounts, transaction submission). Thread-safe. */
public final class NodeClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http;

    public NodeClient(String hostPort) {
        this.base = "http://" + hostPort;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** GET {@code path}; empty when the node does not answer (down, starting) or answers an error. */
    public Optional<JsonNode> get(String path) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** POST {@code body} as JSON to {@code path}; empty when the node does not answer or answers an error. */
    public Optional<JsonNode> post(String path, Object body) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Submits encoded transactions (hex); the per-transaction results, or empty when the node did not answer. */
    public Optional<JsonNode> submit(List<String> txsHex) {
        try {
            byte[] body = JSON.writeValueAsBytes(java.util.Map.of("txs", txsHex));
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/tx")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200 && r.statusCode() != 503) {
                return Optional.empty();
            }
            return Optional.of(JSON.readTree(r.body()).path("results"));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
