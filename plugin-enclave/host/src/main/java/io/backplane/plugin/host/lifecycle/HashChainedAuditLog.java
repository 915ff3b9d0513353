package io.backplane.plugin.host.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.codec.CanonicalWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A JSON-lines audit file in which each line carries the SHA-256 of the previous line's hash and its own fields
 * (canonical encoding), so that editing, dropping or reordering a line breaks the chain that {@link #verify()} checks.
 * Each append is forced to disk before it returns. Single writer per file.
 */
public final class HashChainedAuditLog implements AuditSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GENESIS = "0".repeat(64);

    private final Path file;
    private final Clock clock;
    private long seq;
    private String lastHash;

    public HashChainedAuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        List<String> problems = verify();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("audit log " + file + " is damaged: " + problems.getFirst());
        }
        List<JsonNode> lines = read();
        seq = lines.size();
        lastHash = lines.isEmpty() ? GENESIS : lines.getLast().get("hash").asText();
    }

    @Override
    public synchronized void append(AuditEvent e) {
        String time = clock.instant().toString();
        long n = seq + 1;
        String hash = hash(lastHash, n, time, e);
        ObjectNode line = JSON.createObjectNode();
        line.put("seq", n).put("time", time).put("actor", e.actor()).put("action", e.action()).put("pluginId", e.pluginId())
                .put("version", e.version()).put("from", e.from()).put("to", e.to()).put("detail", e.detail())
                .put("prev", lastHash).put("hash", hash);
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot append to the audit log " + file, ex);
        }
        seq = n;
        lastHash = hash;
    }

    /** Every break in the chain, naming the line; empty when intact (or when the file does not exist yet). */
    public List<String> verify() {
        List<String> problems = new ArrayList<>();
        String prev = GENESIS;
        List<JsonNode> lines;
        try {
            lines = read();
        } catch (UncheckedIOException | IllegalStateException ex) {
            return List.of(ex.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = lines.get(i);
            AuditEvent e = new AuditEvent(l.path("actor").asText(), l.path("action").asText(), l.path("pluginId").asText(),
                    l.path("version").asText(), l.path("from").asText(), l.path("to").asText(), l.path("detail").asText());
            if (l.path("seq").asLong() != i + 1) {
                problems.add("line " + (i + 1) + ": sequence number " + l.path("seq").asLong());
            }
            if (!l.path("prev").asText().equals(prev)) {
                problems.add("line " + (i + 1) + ": does not follow line " + i);
            }
            String expect = hash(prev, i + 1, l.path("time").asText(), e);
            if (!expect.equals(l.path("hash").asText())) {
                problems.add("line " + (i + 1) + ": content does not match its hash");
            }
            prev = l.path("hash").asText();
        }
        return problems;
    }

    public Path file() {
        return file;
    }

    /** The recorded events, oldest first. */
    public List<AuditEvent> events() {
        List<AuditEvent> out = new ArrayList<>();
        for (JsonNode l : read()) {
            out.add(new AuditEvent(l.path("actor").asText(), l.path("action").asText(), l.path("pluginId").asText(),
                    l.path("version").asText(), l.path("from").asText(), l.path("to").asText(), l.path("detail").asText()));
        }
        return out;
    }

    private List<JsonNode> read() {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        try {
            int n = 0;
            for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (!s.isBlank()) {
                    try {
                        out.add(JSON.readTree(s));
                    } catch (IOException ex) {
                        throw new IllegalStateException("line " + n + ": not JSON");
                    }
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read the audit log " + file, ex);
        }
        return out;
    }

    private static String hash(String prev, long seq, String time, AuditEvent e) {
        byte[] body = new CanonicalWriter(256).string("backplane-plugin-audit-v1").string(prev).u64(seq).string(time)
                .string(e.actor()).string(e.action()).string(e.pluginId()).string(e.version()).string(e.from()).string(e.to())
                .string(e.detail()).toByteArray();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
