package io.backplane.hsm.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.codec.CanonicalWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The hash-chained audit trail: one JSON line per key event ({@code seq, time, event, keyId, detail, prev, hash}),
 * where {@code hash} is the SHA-256 of the entry's canonical encoding including {@code prev}, the previous entry's
 * hash (32 zero bytes for the first). Every {@code checkpointEvery} entries (and on close) a {@code checkpoint} entry
 * carries an ECDSA signature by the node identity key over the head hash, so a verifier holding the identity
 * certificate detects edits, deletions and reordering up to the last checkpoint. Each append is fsynced, then its
 * (seq, hash) becomes the {@link AuditAnchor} kept outside the log (in the token), so a deleted tail, a truncation or an
 * older copy put back is detected too: by {@link AuditVerifier}, and at open, where a log that does not contain its
 * anchored entry gets an {@code audit-anchor-mismatch} entry (the evidence stays in the chain; the node keeps running).
 */
public final class AuditLog implements AuditSink, AutoCloseable {
    public static final String CHECKPOINT = "checkpoint";
    /** Written at open when the log does not contain the anchored entry: entries were deleted or the log replaced. */
    public static final String ANCHOR_MISMATCH = "audit-anchor-mismatch";
    /** Written at open when the log runs past the anchor (a crash between the log's fsync and the anchor's update). */
    public static final String ANCHOR_ADVANCED = "audit-anchor-advanced";
    /** Written at open when there is a log but no anchor yet (a log made before anchors existed, or a new token). */
    public static final String ANCHOR_CREATED = "audit-anchor-created";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final byte[] GENESIS = new byte[32];

    private final Path file;
    private final Clock clock;
    private final int checkpointEvery;
    private final Function<byte[], byte[]> checkpointSigner;
    private final String signerName;
    private final AuditAnchor anchor;
    private FileChannel channel;
    private long nextSeq;
    private byte[] head = GENESIS;
    private int sinceCheckpoint;
    private List<io.backplane.hsm.Watermark> signedWatermarks = List.of();

    /**
     * @param checkpointSigner signs a head hash with the identity key (DER ECDSA); it returns null (or is null) while
     *                         no identity key exists, and then no checkpoint is written
     */
    public AuditLog(Path file, Clock clock, int checkpointEvery, String signerName, Function<byte[], byte[]> checkpointSigner,
            AuditAnchor anchor) {
        this.file = file;
        this.anchor = anchor;
        this.clock = clock;
        this.checkpointEvery = checkpointEvery;
        this.signerName = signerName;
        this.checkpointSigner = checkpointSigner;
        try {
            Files.createDirectories(file.getParent());
            byte[] all = recoverTail();
            signedWatermarks = signedWatermarks(all);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            checkAnchor(all);
        } catch (IOException e) {
            throw new UncheckedIOException("audit log " + file + " cannot be opened", e);
        }
    }

    /**
     * Compares the log with its anchor. The log is fsynced before the anchor is written, so a log that is shorter than
     * the anchor or holds another entry at the anchored sequence was cut or replaced: that is recorded (and re-anchored
     * past), never silently accepted. A log longer than its anchor is the crash window between the two writes.
     */
    private void checkAnchor(byte[] all) throws IOException {
        java.util.Optional<AuditAnchor.Head> a = anchor.read();
        HexFormat hex = HexFormat.of();
        if (a.isEmpty()) {
            if (nextSeq > 0) {
                write(ANCHOR_CREATED, "audit", Map.of("fromSeq", Long.toString(nextSeq - 1)));
            }
            return;
        }
        AuditAnchor.Head h = a.get();
        byte[] atAnchor = h.seq() < nextSeq ? hashAt(all, h.seq()) : null;
        if (atAnchor != null && MessageDigest.isEqual(atAnchor, h.hash())) {
            if (nextSeq - 1 > h.seq()) {
                write(ANCHOR_ADVANCED, "audit", Map.of("anchorSeq", Long.toString(h.seq()), "logSeq", Long.toString(nextSeq - 1)));
            }
            return;
        }
        Map<String, String> d = new TreeMap<>();
        d.put("anchorSeq", Long.toString(h.seq()));
        d.put("anchorHash", hex.formatHex(h.hash()));
        d.put("logLastSeq", Long.toString(nextSeq - 1));
        org.slf4j.LoggerFactory.getLogger(AuditLog.class).error("audit log {} does not contain its anchored entry (seq {}): "
                + "entries were deleted or the log was replaced; recorded as {}", file, h.seq(), ANCHOR_MISMATCH);
        write(ANCHOR_MISMATCH, "audit", d);
    }

    /** The hash of the entry with sequence {@code seq}, scanning back from the end (the anchor is near it), or null. */
    private static byte[] hashAt(byte[] all, long seq) {
        int end = all.length;
        while (end > 0) {
            int start = lastIndexOf(all, end - 2) + 1;
            JsonNode n;
            try {
                n = MAPPER.readTree(new String(all, start, end - start, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return null; // a damaged line: the verifier names it; here it only means "not the anchored entry"
            }
            long s = n.path("seq").asLong(-1);
            if (s == seq) {
                try {
                    return HexFormat.of().parseHex(n.path("hash").asText());
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            if (s < seq) {
                return null;
            }
            end = start;
        }
        return null;
    }

    /**
     * Reads the last complete entry for the chain head. An incomplete last line is cut only when it is a torn write of
     * the next entry (it begins as that entry must: {@code {"seq":N,}); anything else after the last entry (appended
     * garbage, a damaged last entry) refuses to open, naming the offset and the reason, rather than being cut unseen.
     */
    private byte[] recoverTail() throws IOException {
        if (!Files.exists(file)) {
            return new byte[0];
        }
        byte[] all = Files.readAllBytes(file);
        int end = all.length;
        if (end > 0 && all[end - 1] != '\n') {
            int cut = lastIndexOf(all, end - 1) + 1;
            long expectSeq = 0;
            if (cut > 0) {
                expectSeq = lastEntry(all, cut).get("seq").asLong() + 1;
            }
            String partial = new String(all, cut, end - cut, StandardCharsets.UTF_8);
            String expect = "{\"seq\":" + expectSeq + ",";
            if (!(partial.startsWith(expect) || expect.startsWith(partial))) {
                throw new IllegalStateException("audit log " + file + ": " + (end - cut) + " bytes at offset " + cut + " after the last complete entry "
                        + "are not a torn write of entry " + expectSeq + " (they begin '" + printable(partial) + "', an entry begins '" + expect
                        + "'): garbage was appended or the last entry damaged; refusing to append after it (`backplane keys audit-verify` "
                        + "names it; keep a copy, then remove the bytes from offset " + cut + ")");
            }
            org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log {}: cut a torn last entry at offset {} ({} bytes)", file, cut, end - cut);
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(cut);
                c.force(true);
            }
            end = cut;
        }
        if (end == 0) {
            return new byte[0];
        }
        JsonNode last = lastEntry(all, end);
        nextSeq = last.get("seq").asLong() + 1;
        head = HexFormat.of().parseHex(last.get("hash").asText());
        // Entries since the last checkpoint are counted from the tail.
        int count = 0;
        for (int pos = end - 1; pos > 0 && count < checkpointEvery; ) {
            int s = lastIndexOf(all, pos - 1) + 1;
            if (new String(all, s, pos - s, StandardCharsets.UTF_8).contains("\"event\":\"" + CHECKPOINT + "\"")) {
                break;
            }
            count++;
            pos = s - 1;
        }
        sinceCheckpoint = count;
        return Arrays.copyOf(all, end);
    }

    /** The complete last entry of {@code all[0, end)} ({@code end} just after its newline); damage throws, naming it. */
    private JsonNode lastEntry(byte[] all, int end) {
        int start = lastIndexOf(all, end - 2) + 1;
        String line = new String(all, start, end - start, StandardCharsets.UTF_8);
        try {
            JsonNode n = MAPPER.readTree(line);
            if (n == null || !n.path("seq").canConvertToLong() || !n.path("seq").isIntegralNumber()) {
                throw new IOException("no sequence number");
            }
            HexFormat.of().parseHex(n.path("hash").asText());
            if (n.path("hash").asText().length() != 64) {
                throw new IOException("no 32-byte hash");
            }
            return n;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("audit log " + file + ": the last entry (offset " + start + ", '" + printable(line)
                    + "') is not an audit entry (" + e.getMessage().lines().findFirst().orElse("") + "): garbage was appended or it was "
                    + "damaged; refusing to append after it (`backplane keys audit-verify` names it)");
        }
    }

    private static String printable(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /**
     * The highest (epoch, round) the trail shows signed per (key, kind): its {@code sign} entries. The guard must
     * cover these (the keystore requires it at open).
     */
    public List<io.backplane.hsm.Watermark> signedWatermarks() {
        return signedWatermarks;
    }

    private static List<io.backplane.hsm.Watermark> signedWatermarks(byte[] all) {
        Map<String, io.backplane.hsm.Watermark> max = new TreeMap<>();
        String text = new String(all, StandardCharsets.UTF_8);
        for (String line : (Iterable<String>) text.lines()::iterator) {
            if (!line.contains("\"event\":\"sign\"")) {
                continue; // cheap filter: only fresh signatures are evidence
            }
            try {
                JsonNode n = MAPPER.readTree(line);
                if (!"sign".equals(n.path("event").asText())) {
                    continue;
                }
                JsonNode d = n.path("detail");
                io.backplane.hsm.SigningKind kind = io.backplane.hsm.SigningKind.parse(d.path("kind").asText());
                io.backplane.hsm.Watermark w = new io.backplane.hsm.Watermark(n.path("keyId").asText(), kind,
                        Long.parseLong(d.path("epoch").asText()), Long.parseLong(d.path("round").asText()));
                max.merge(w.keyId() + "/" + kind.wireName(), w, (a, b) -> b.isAbove(a.epoch(), a.round()) ? b : a);
            } catch (IOException | IllegalArgumentException e) {
                // A damaged line: the verifier names it; the token anchor covers the guard regardless.
            }
        }
        return List.copyOf(max.values());
    }

    private static int lastIndexOf(byte[] b, int from) {
        for (int i = from; i >= 0; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void append(String event, String keyId, Map<String, String> detail) {
        Line entry = line(event, keyId, detail, nextSeq, head);
        if (sinceCheckpoint + 1 >= checkpointEvery && checkpointSigner != null) {
            // The checkpoint that falls due goes out in the same write and fsync as the entry (one anchor write for
            // both): a checkpoint every N entries then costs one ECDSA signature, not a second fsync and token write.
            byte[] sig = checkpointSigner.apply(entry.hash().clone());
            if (sig != null) {
                commit(List.of(entry, line(CHECKPOINT, signerName, checkpointDetail(entry.hash(), sig), entry.seq() + 1, entry.hash())));
                sinceCheckpoint = 0;
                return;
            }
        }
        commit(List.of(entry));
        sinceCheckpoint++;
    }

    /** Appends a checkpoint signed by the identity key, if one exists. */
    public synchronized void checkpoint() {
        if (checkpointSigner == null || sinceCheckpoint == 0) {
            return;
        }
        byte[] sig = checkpointSigner.apply(head.clone());
        if (sig == null) {
            return;
        }
        commit(List.of(line(CHECKPOINT, signerName, checkpointDetail(head, sig), nextSeq, head)));
        sinceCheckpoint = 0;
    }

    private static Map<String, String> checkpointDetail(byte[] head, byte[] sig) {
        Map<String, String> d = new TreeMap<>();
        d.put("head", HexFormat.of().formatHex(head));
        d.put("signature", HexFormat.of().formatHex(sig));
        return d;
    }

    private void write(String event, String keyId, Map<String, String> detail) {
        commit(List.of(line(event, keyId, detail, nextSeq, head)));
    }

    /** One encoded entry: its sequence number, its hash and its JSON line. */
    private record Line(long seq, byte[] hash, String event, byte[] bytes) {
    }

    private Line line(String event, String keyId, Map<String, String> detail, long seq, byte[] prev) {
        String time = clock.instant().toString();
        Map<String, String> sorted = new TreeMap<>(detail);
        byte[] hash = hash(seq, time, event, keyId, sorted, prev);
        ObjectNode n = MAPPER.createObjectNode().put("seq", seq).put("time", time).put("event", event).put("keyId", keyId);
        ObjectNode d = n.putObject("detail");
        sorted.forEach(d::put);
        n.put("prev", HexFormat.of().formatHex(prev)).put("hash", HexFormat.of().formatHex(hash));
        try {
            return new Line(seq, hash, event, (MAPPER.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("audit log " + file + ": cannot encode " + event, e);
        }
    }

    /** Appends {@code lines} in one write and one fsync, then anchors the last; a failed write is rolled back. */
    private void commit(List<Line> lines) {
        Line last = lines.get(lines.size() - 1);
        long before = -1;
        try {
            before = channel.size();
            int total = lines.stream().mapToInt(l -> l.bytes().length).sum();
            ByteBuffer b = ByteBuffer.allocate(total);
            lines.forEach(l -> b.put(l.bytes()));
            b.flip();
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            if (before >= 0) {
                try {
                    channel.truncate(before); // no partial entry left for the next append to follow
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            throw new UncheckedIOException("audit log " + file + ": cannot append " + lines.get(0).event(), e);
        }
        nextSeq = last.seq() + 1;
        head = last.hash();
        // After the log's fsync: the anchor never names an entry the log could lose.
        anchor.write(new AuditAnchor.Head(last.seq(), last.hash()));
    }

    /** The hash of one entry: SHA-256 over the canonical encoding of every field and the previous hash. */
    static byte[] hash(long seq, String time, String event, String keyId, Map<String, String> detail, byte[] prev) {
        List<Map.Entry<String, String>> entries = new ArrayList<>(new TreeMap<>(detail).entrySet());
        byte[] enc = new CanonicalWriter(256).u64(seq).string(time).string(event).string(keyId)
                .list(entries, (w, e) -> w.string(e.getKey()).string(e.getValue())).fixed(prev, 32).toByteArray();
        try {
            return MessageDigest.getInstance("SHA-256").digest(enc);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> detail(JsonNode d) {
        Map<String, String> m = new LinkedHashMap<>();
        d.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    @Override
    public synchronized void close() {
        try {
            checkpoint();
        } catch (RuntimeException e) {
            // The token may be gone; the chain is intact, only its last stretch stays unsigned until the next checkpoint.
            org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log {}: no checkpoint at close: {}", file, e.getMessage());
        } finally {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing: nothing more to save
            }
        }
    }
}
