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

    /** Reads the last complete entry for the chain head; cuts an incomplete last line left by a crash. */
    private byte[] recoverTail() throws IOException {
        if (!Files.exists(file)) {
            return new byte[0];
        }
        byte[] all = Files.readAllBytes(file);
        int end = all.length;
        if (end > 0 && all[end - 1] != '\n') {
            int cut = lastIndexOf(all, end - 1) + 1;
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(cut);
                c.force(true);
            }
            end = cut;
        }
        if (end == 0) {
            return new byte[0];
        }
        int start = lastIndexOf(all, end - 2) + 1;
        JsonNode last = MAPPER.readTree(new String(all, start, end - start, StandardCharsets.UTF_8));
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
        write(event, keyId, detail);
        if (++sinceCheckpoint >= checkpointEvery) {
            checkpoint();
        }
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
        Map<String, String> d = new TreeMap<>();
        d.put("head", HexFormat.of().formatHex(head));
        d.put("signature", HexFormat.of().formatHex(sig));
        write(CHECKPOINT, signerName, d);
        sinceCheckpoint = 0;
    }

    private void write(String event, String keyId, Map<String, String> detail) {
        long seq = nextSeq;
        String time = clock.instant().toString();
        Map<String, String> sorted = new TreeMap<>(detail);
        byte[] hash = hash(seq, time, event, keyId, sorted, head);
        ObjectNode n = MAPPER.createObjectNode().put("seq", seq).put("time", time).put("event", event).put("keyId", keyId);
        ObjectNode d = n.putObject("detail");
        sorted.forEach(d::put);
        n.put("prev", HexFormat.of().formatHex(head)).put("hash", HexFormat.of().formatHex(hash));
        try {
            ByteBuffer b = ByteBuffer.wrap((MAPPER.writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("audit log " + file + ": cannot append " + event, e);
        }
        nextSeq = seq + 1;
        head = hash;
        // After the log's fsync: the anchor never names an entry the log could lose.
        anchor.write(new AuditAnchor.Head(seq, hash));
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
