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
 * (canonical encoding), so that editing, dropping or reordering a line breaks the chain that {@link #check()} checks.
 * Each append is forced to disk before it returns. Single writer per file.
 *
 * <p><b>Head anchor.</b> A chain alone cannot show that its last entries were cut off. After each append the log
 * writes {@code <file>.head} ({@code {"seq":N,"hash":H}}: the last entry's number and hash) to a temporary file,
 * forces it, and renames it over the old head, so the head is always a whole, durable record of where the log
 * ended. The check then finds a deleted tail (the head names an entry that is gone), a replaced last entry (its hash
 * differs from the head's) and a deleted head. A crash between the append and the head update leaves exactly one
 * entry past the head; opening the log re-anchors it (that entry is chained to an anchored one). What the head does
 * not protect against: someone who can write the node home can rewrite the log, recompute the chain and write a
 * matching head, or delete both files together. Only a copy of the head kept elsewhere (or signed by a key outside
 * the home) catches that.
 */
public final class HashChainedAuditLog implements AuditSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GENESIS = "0".repeat(64);

    private final Path file;
    private final Clock clock;
    private long seq;
    private String lastHash;

    /** What {@link #check()} found. {@code unanchored}: entries after the head (at most one, after a crash). */
    public record Verification(long entries, long headSeq, long unanchored, List<String> problems) {
        public boolean intact() {
            return problems.isEmpty();
        }
    }

    /** Opens the log, refusing one whose chain or head anchor is broken (naming the first problem). */
    public HashChainedAuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
        Verification v = check();
        if (!v.intact()) {
            throw new IllegalStateException("audit log " + file + " is damaged: " + v.problems().getFirst());
        }
        List<JsonNode> lines = read();
        seq = lines.size();
        lastHash = lines.isEmpty() ? GENESIS : lines.getLast().get("hash").asText();
        if (v.unanchored() > 0) {
            writeHead(seq, lastHash); // the crash window between an append and its head update
        }
    }

    /** The head anchor file of {@code log}. */
    public static Path headFile(Path log) {
        return log.resolveSibling(log.getFileName() + ".head");
    }

    @Override
    public synchronized void append(AuditEvent e) {
        String time = clock.instant().toString();
        long n = seq + 1;
        String hash = hash(lastHash, n, time, e);
        ObjectNode line = JSON.createObjectNode();
        line.put("seq", n).put("time", time).put("actor", e.actor()).put("action", e.action()).put("pluginId", e.pluginId())
                .put("version", e.version()).put("from", e.from()).put("to", e.to()).put("detail", e.detail())
                .put("keyId", e.keyId()).put("prev", lastHash).put("hash", hash);
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
        writeHead(n, hash);
    }

    /** Every break in the chain or the head anchor, naming the line; empty when intact (or when there is no log yet). */
    public List<String> verify() {
        return check().problems();
    }

    /** The chain and the head anchor: edits, deletions (a deleted tail included) and reordering. */
    public Verification check() {
        return checkFile(file);
    }

    /** {@link #check()} of the log at {@code file}, without opening it for writing (an auditor's view). */
    public static Verification checkFile(Path file) {
        List<String> problems = new ArrayList<>();
        String prev = GENESIS;
        List<JsonNode> lines;
        try {
            lines = read(file);
        } catch (UncheckedIOException | IllegalStateException ex) {
            return new Verification(0, 0, 0, List.of(ex.getMessage()));
        }
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = lines.get(i);
            AuditEvent e = event(l);
            if (l.path("seq").asLong() != i + 1) {
                problems.add("line " + (i + 1) + ": sequence number " + l.path("seq").asLong());
            }
            if (!l.path("prev").asText().equals(prev)) {
                problems.add("line " + (i + 1) + ": does not follow line " + i);
            }
            // Lines written before key ids and head anchors (format v1) have no keyId field and keep their v1 hash;
            // removing the field from a v2 line changes the hash formula, so it cannot launder an edit.
            String expect = l.has("keyId") ? hash(prev, i + 1, l.path("time").asText(), e) : hashV1(prev, i + 1, l.path("time").asText(), e);
            if (!expect.equals(l.path("hash").asText())) {
                problems.add("line " + (i + 1) + ": content does not match its hash");
            }
            prev = l.path("hash").asText();
        }
        long headSeq = 0;
        long unanchored = 0;
        Path head = headFile(file);
        if (!Files.exists(head)) {
            if (!lines.isEmpty() && lines.stream().noneMatch(l -> l.has("keyId"))) {
                unanchored = lines.size(); // a v1 log never had a head: its tail cannot be checked; opening anchors it now
            } else if (!lines.isEmpty()) {
                problems.add("head anchor " + head + " is missing: the end of the log cannot be checked (deleted head, or a deleted tail with it)");
            }
        } else {
            JsonNode h;
            try {
                h = JSON.readTree(Files.readString(head, StandardCharsets.UTF_8));
            } catch (IOException ex) {
                h = null;
            }
            if (h == null || !h.path("seq").canConvertToLong() || !h.path("hash").isTextual()) {
                problems.add("head anchor " + head + " is unreadable");
            } else {
                headSeq = h.path("seq").asLong();
                if (headSeq > lines.size()) {
                    problems.add("the log ends at entry " + lines.size() + " but the head anchor says " + headSeq + ": entries "
                            + (lines.size() + 1) + ".." + headSeq + " were deleted");
                } else if (headSeq > 0 && !lines.get((int) headSeq - 1).path("hash").asText().equals(h.path("hash").asText())) {
                    problems.add("line " + headSeq + ": does not match the head anchor (edited or replaced)");
                } else if (headSeq == 0 && !lines.isEmpty() && !h.path("hash").asText().equals(GENESIS)) {
                    problems.add("head anchor " + head + " does not match the log");
                }
                unanchored = Math.max(0, lines.size() - headSeq);
                if (unanchored > 1) {
                    problems.add((unanchored) + " entries after the head anchor (entry " + headSeq + "): a crash leaves at most one");
                }
            }
        }
        return new Verification(lines.size(), headSeq, unanchored, problems);
    }

    private void writeHead(long n, String hash) {
        Path head = headFile(file);
        Path tmp = head.resolveSibling(head.getFileName() + ".tmp");
        try {
            ObjectNode h = JSON.createObjectNode().put("seq", n).put("hash", hash);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap((JSON.writeValueAsString(h) + "\n").getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            Files.move(tmp, head, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(head.getParent(), StandardOpenOption.READ)) {
                d.force(true); // the rename itself is durable only once the directory is
            } catch (IOException ignored) {
                // some file systems cannot open a directory for fsync; the rename is still atomic
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the audit head anchor " + head, ex);
        }
    }

    private static AuditEvent event(JsonNode l) {
        return new AuditEvent(l.path("actor").asText(), l.path("action").asText(), l.path("pluginId").asText(),
                l.path("version").asText(), l.path("from").asText(), l.path("to").asText(), l.path("detail").asText(), l.path("keyId").asText());
    }

    public Path file() {
        return file;
    }

    /** The recorded events, oldest first. */
    public List<AuditEvent> events() {
        List<AuditEvent> out = new ArrayList<>();
        for (JsonNode l : read()) {
            out.add(event(l));
        }
        return out;
    }

    private List<JsonNode> read() {
        return read(file);
    }

    private static List<JsonNode> read(Path file) {
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

    private static String hashV1(String prev, long seq, String time, AuditEvent e) {
        byte[] body = new CanonicalWriter(256).string("backplane-plugin-audit-v1").string(prev).u64(seq).string(time)
                .string(e.actor()).string(e.action()).string(e.pluginId()).string(e.version()).string(e.from()).string(e.to())
                .string(e.detail()).toByteArray();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String hash(String prev, long seq, String time, AuditEvent e) {
        byte[] body = new CanonicalWriter(256).string("backplane-plugin-audit-v2").string(prev).u64(seq).string(time)
                .string(e.actor()).string(e.action()).string(e.pluginId()).string(e.version()).string(e.from()).string(e.to())
                .string(e.detail()).string(e.keyId()).toByteArray();
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
