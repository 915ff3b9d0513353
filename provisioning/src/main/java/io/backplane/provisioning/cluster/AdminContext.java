package io.backplane.provisioning.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Where {@code ctl} finds a node's admin API: {@code context.json} ({@code {"current": ID, "nodes": {ID: {"url",
 * "certificate", "tokenFile"}}}}) that {@code up} writes beside {@code cluster.json}; the certificate is the one the
 * client pins, the token file holds the bearer token (read when a command runs, never copied here).
 */
public final class AdminContext {
    public static final String FILE = "context.json";
    /** Names the context file when {@code --context} is not given. */
    public static final String ENV = "BACKPLANE_CONTEXT";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One node's admin endpoint. */
    public record Entry(String url, Path certificate, Path tokenFile) {
    }

    private AdminContext() {
    }

    public static void write(Path file, String current, Map<String, Object> entries) throws IOException {
        ObjectNode doc = JSON.createObjectNode().put("current", current);
        ObjectNode nodes = doc.putObject("nodes");
        entries.forEach((id, e) -> {
            Entry x = (Entry) e;
            nodes.putObject(id).put("url", x.url()).put("certificate", x.certificate().toString()).put("tokenFile", x.tokenFile().toString());
        });
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The context file to use: {@code explicit} ({@code --context}), else {@code $BACKPLANE_CONTEXT}, else the default cluster's. */
    public static Path locate(Path explicit) {
        String env = System.getenv(ENV);
        return explicit != null ? explicit
                : env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".backplane", "cluster", FILE);
    }

    /** The bearer token of {@code entry} (its token file's first line), read now; an unreadable file is named. */
    public static String token(Entry entry, Path contextFile) throws IOException {
        try {
            return Files.readString(entry.tokenFile()).trim();
        } catch (IOException x) {
            throw new IOException("cannot read the token file " + entry.tokenFile() + " named by " + contextFile + " (" + x.getClass().getSimpleName() + ")", x);
        }
    }

    /** The entry of {@code node} (null: the file's current node); a missing or damaged file, or an unknown node, is named. */
    public static Entry read(Path file, String node) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("no admin context at " + file + " (`backplane up` writes one beside cluster.json; or give --context FILE or set "
                    + ENV + ")");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        String id = node != null ? node : doc.path("current").asText("");
        JsonNode e = doc.path("nodes").path(id);
        if (!e.isObject()) {
            throw new IOException(file + " has no node '" + id + "' (nodes: " + iterable(doc.path("nodes")) + ")");
        }
        for (String f : new String[]{"url", "certificate", "tokenFile"}) {
            if (!e.path(f).isTextual() || e.path(f).asText().isEmpty()) {
                throw new IOException(file + ": node '" + id + "' has no " + f);
            }
        }
        if (!e.path("url").asText().startsWith("https://")) {
            throw new IOException(file + ": node '" + id + "' url must be https:// (the admin API serves no plain HTTP), got " + e.path("url").asText());
        }
        return new Entry(e.path("url").asText(), Path.of(e.path("certificate").asText()), Path.of(e.path("tokenFile").asText()));
    }

    private static String iterable(JsonNode nodes) {
        StringBuilder b = new StringBuilder();
        nodes.fieldNames().forEachRemaining(n -> b.append(b.isEmpty() ? "" : ", ").append(n));
        return b.isEmpty() ? "none" : b.toString();
    }
}
