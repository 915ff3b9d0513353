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
 * certificate detects edits, deletions and reordering up to the last checkpoint. Each append is fsynced.
 */
public final class AuditLog implements AuditSink, AutoCloseable {
    public static final String CHECKPOINT = "checkpoint";
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final byte[] GENESIS = new byte[32];

    private final Path file;
    private final Clock clock;
    private final int checkpointEvery;
    private final Function<byte[], byte[]> checkpointSigner;
    private final String signerName;
    private FileChannel channel;
    private long nextSeq;
    private byte[] head = GENESIS;
    private int sinceCheckpoint;

    /**
     * @param checkpointSigner signs a head hash with the identity key (DER ECDSA); it returns null (or is null) while
     *                         no identity key exists, and then no checkpoint is written
     */
    public AuditLog(Path file, Clock clock, int checkpointEvery, String signerName, Function<byte[], byte[]> checkpointSigner) {
        this.file = file;
        this.clock = clock;
        this.checkpointEvery = checkpointEvery;
        this.signerName = signerName;
        this.checkpointSigner = checkpointSigner;
        try {
            Files.createDirectories(file.getParent());
            recoverTail();
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("audit log " + file + " cannot be opened", e);
        }
    }

    /** Reads the last complete entry for the chain head; cuts an incomplete last line left by a crash. */
    private void recoverTail() throws IOException {
        if (!Files.exists(file)) {
            return;
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
            return;
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
