package io.backplane.hsm.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.codec.CanonicalWriter;
import io.backplane.hsm.guard.SigningGuard.AuditCopy;
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
 * certificate detects edits, deletions and reordering up to the last checkpoint. Each append is made durable (fsynced,
 * or, for a fresh signature's entry, {@link #appendDurably copied into the guard's fsynced record} and rebuilt from
 * there at open if a power cut took it), then its (seq, hash) becomes the {@link AuditAnchor} kept outside the log (in
 * the token), so a deleted tail, a truncation or an older copy put back is detected too: by {@link AuditVerifier}, and at open, where a log that does not contain its
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
    /** Written at open when entries a power cut took from the unsynced tail were put back from the guard log's copies. */
    public static final String REBUILT = "audit-rebuilt";
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
    /** Where the next entry goes (the log's length as this writer made it). */
    private long size;
    /** Entries made durable in the guard log whose own write failed: written before anything else. */
    private AuditCopy unwritten;
    /** Entries appended since the log's last fsync (their durability is the guard record's). */
    private int unsynced;
    /** The log's length at its last fsync: a power cut cannot take these bytes. */
    private long synced;
    /** What {@link #rebuildFrom} put back at open (null: nothing), recorded as {@link #REBUILT} once the log is open. */
    private Rebuilt rebuilt;
    /**
     * At most this many entries go unsynced ({@link #appendDurably}) before one fsync: the guard log keeps the copies
     * of the last {@link SigningGuard#RECENT_PER_KEY} audited slots per key, so a power cut never takes more than it holds.
     */
    static final int SYNC_EVERY = 512;

    /**
     * @param checkpointSigner signs a head hash with the identity key (DER ECDSA); it returns null (or is null) while
     *                         no identity key exists, and then no checkpoint is written
     */
    public AuditLog(Path file, Clock clock, int checkpointEvery, String signerName, Function<byte[], byte[]> checkpointSigner,
            AuditAnchor anchor) {
        this(file, clock, checkpointEvery, signerName, checkpointSigner, anchor, List.of());
    }

    /**
     * As above, first rebuilding from {@code copies} (the guard log's {@linkplain SigningGuard#auditCopies audit
     * copies}) the entries a power cut took from the log's unsynced tail ({@link #rebuild}).
     */
    public AuditLog(Path file, Clock clock, int checkpointEvery, String signerName, Function<byte[], byte[]> checkpointSigner,
            AuditAnchor anchor, List<AuditCopy> copies) {
        this.file = file;
        this.anchor = anchor;
        this.clock = clock;
        this.checkpointEvery = checkpointEvery;
        this.signerName = signerName;
        this.checkpointSigner = checkpointSigner;
        try {
            Files.createDirectories(file.getParent());
            rebuildFrom(copies);
            byte[] all = recoverTail();
            signedWatermarks = signedWatermarks(all);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            size = all.length;
            synced = size;
            checkAnchor(all);
            if (rebuilt != null) {
                Map<String, String> d = new TreeMap<>();
                d.put("offset", Long.toString(rebuilt.from()));
                d.put("entries", Integer.toString(rebuilt.copies()));
                d.put("bytesReplaced", Long.toString(rebuilt.replaced()));
                write(REBUILT, "audit", d);
            }
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

    /** Rewrites the file when {@link #rebuild} restores a tail from the guard's copies, fsynced before anything reads it. */
    private void rebuildFrom(List<AuditCopy> copies) throws IOException {
        if (copies.isEmpty() || !Files.exists(file)) {
            if (!copies.isEmpty()) {
                org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log {} is missing; the guard log's copies of its last "
                        + "entries are not rebuilt (they continue a log that is gone)", file);
            }
            return;
        }
        byte[] all = Files.readAllBytes(file);
        Rebuilt r = rebuild(all, copies);
        if (r == null) {
            return;
        }
        rebuilt = r;
        org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log {}: rebuilt {} unsynced entr{} from the guard log's copies at offset {} "
                + "(a power cut took them; {} bytes were there)", file, r.copies(), r.copies() == 1 ? "y" : "ies", r.from(), r.replaced());
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(r.from());
            ByteBuffer b = ByteBuffer.wrap(r.bytes(), (int) r.from(), r.bytes().length - (int) r.from());
            long at = r.from();
            while (b.hasRemaining()) {
                at += c.write(b, at);
            }
            c.force(false);
        }
    }

    /** A rebuilt log: its bytes, where the rebuilt part starts, and how many copies it took. */
    record Rebuilt(byte[] bytes, long from, int copies, long replaced) {
    }

    /**
     * The log {@code all} with the tail a power cut took put back from {@code copies} (sorted by offset), or null when
     * nothing is missing. Entries appended with {@link #appendDurably} are not fsynced: the guard record of their
     * signature, fsynced first, holds their exact bytes and offset. A power cut can then leave the log short, or with
     * zeros or a partial entry, from the first copy that did not reach the disk; every later byte of the log was never
     * fsynced either (an fsync would have made that copy durable), so nothing released depends on it.
     *
     * <p>A copy is put back only where a power cut can explain the loss and where it continues this very chain: the log
     * still holds all it held fsynced when the last copy was made ({@link AuditCopy#synced}: a log cut back further
     * was edited, and is left for the anchor check to report), the copy starts at a line boundary at or before the log's
     * end, and its first entry's {@code prev} is the hash of the entry just before it (or the genesis hash at offset
     * 0). Copies of another log (one moved aside and started anew) therefore never apply. Where a complete
     * entry other than the copy stands at its offset (no crash leaves that), nothing is rewritten: the log is left as
     * it is for the anchor check and {@code audit-verify} to report. From the first missing copy on, the log is cut
     * there and the copies that follow contiguously are written back, byte for byte what was written before, so the
     * hash chain and the token's anchor match again.
     */
    static Rebuilt rebuild(byte[] all, List<AuditCopy> copies) {
        long synced = copies.stream().mapToLong(AuditCopy::synced).max().orElse(0);
        if (all.length < synced) {
            org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log: {} bytes, but {} were fsynced when the guard log's last copy "
                    + "was made: cut back beyond what a power cut takes; nothing is rebuilt", all.length, synced);
            return null;
        }
        for (int i = 0; i < copies.size(); i++) {
            AuditCopy c = copies.get(i);
            byte[] b = c.bytes();
            long at = c.offset();
            if (at + b.length <= all.length && Arrays.equals(all, (int) at, (int) at + b.length, b, 0, b.length)) {
                continue; // on disk as written
            }
            if (at > all.length || !continuesChain(all, (int) at, b)) {
                continue; // not this log's next entry
            }
            if (completeEntryAt(all, (int) at)) {
                org.slf4j.LoggerFactory.getLogger(AuditLog.class).error("audit log: another complete entry stands at offset {} where the guard "
                        + "log's copy belongs; not rewritten (no crash leaves that: the log was edited)", at);
                return null;
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(all.length + 4096);
            out.write(all, 0, (int) at);
            out.writeBytes(b);
            long end = at + b.length;
            byte[] last = b;
            int n = 1;
            for (int j = i + 1; j < copies.size() && copies.get(j).offset() <= end; j++) {
                byte[] next = copies.get(j).bytes();
                if (copies.get(j).offset() == end && chainsOnto(last, next)) {
                    out.writeBytes(next);
                    end += next.length;
                    last = next;
                    n++;
                }
            }
            return new Rebuilt(out.toByteArray(), at, n, all.length - at);
        }
        return null;
    }

    /** Whether {@code copy} starts at a line boundary {@code at} of {@code all} and chains onto the entry before it. */
    private static boolean continuesChain(byte[] all, int at, byte[] copy) {
        if (at > 0 && all[at - 1] != '\n') {
            return false;
        }
        int nl = indexOf(copy, 0);
        if (nl < 0) {
            return false;
        }
        try {
            byte[] prev = HexFormat.of().parseHex(MAPPER.readTree(new String(copy, 0, nl, StandardCharsets.UTF_8)).path("prev").asText());
            if (at == 0) {
                return Arrays.equals(prev, GENESIS);
            }
            int start = lastIndexOf(all, at - 2) + 1;
            JsonNode before = MAPPER.readTree(new String(all, start, at - start, StandardCharsets.UTF_8));
            return Arrays.equals(prev, HexFormat.of().parseHex(before.path("hash").asText()));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    /** Whether the first entry of copy {@code next} has the last entry of copy {@code last} as its {@code prev}. */
    private static boolean chainsOnto(byte[] last, byte[] next) {
        int nl = indexOf(next, 0);
        if (nl < 0 || last.length < 2) {
            return false;
        }
        int start = lastIndexOf(last, last.length - 2) + 1;
        try {
            JsonNode before = MAPPER.readTree(new String(last, start, last.length - start, StandardCharsets.UTF_8));
            JsonNode after = MAPPER.readTree(new String(next, 0, nl, StandardCharsets.UTF_8));
            return Arrays.equals(HexFormat.of().parseHex(after.path("prev").asText()), HexFormat.of().parseHex(before.path("hash").asText()));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    /** Whether a complete, well-formed entry (a JSON line with a sequence number and a hash) starts at {@code at}. */
    private static boolean completeEntryAt(byte[] all, int at) {
        int nl = indexOf(all, at);
        if (nl < 0) {
            return false;
        }
        try {
            JsonNode n = MAPPER.readTree(new String(all, at, nl - at, StandardCharsets.UTF_8));
            return n != null && n.path("seq").isIntegralNumber() && n.path("hash").asText().length() == 64;
        } catch (IOException e) {
            return false;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
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

    /**
     * Appends an entry (and the checkpoint that falls due with it) whose durability is {@code durable}'s: it is given
     * the entry's exact bytes and offset ({@link AuditCopy}) and must make them durable (the guard's fsynced record of
     * the signature) before returning. Then the entry is written without an fsync of its own and anchored: one fsync
     * per signature instead of two. If {@code durable} throws, nothing was appended. If the write fails after it, the
     * entry stays owed and is written before the next one (and, after a crash, rebuilt from the guard log at open).
     * An entry too large for a copy is made durable here, after {@code durable} was given null.
     */
    public synchronized void appendDurably(String event, String keyId, Map<String, String> detail, java.util.function.Consumer<AuditCopy> durable) {
        writeUnwritten();
        Line entry = line(event, keyId, detail, nextSeq, head);
        List<Line> lines = List.of(entry);
        if (sinceCheckpoint + 1 >= checkpointEvery && checkpointSigner != null) {
            byte[] sig = checkpointSigner.apply(entry.hash().clone());
            if (sig != null) {
                lines = List.of(entry, line(CHECKPOINT, signerName, checkpointDetail(entry.hash(), sig), entry.seq() + 1, entry.hash()));
            }
        }
        byte[] bytes = concat(lines);
        int checkpointed = lines.size() > 1 ? 0 : sinceCheckpoint + 1;
        if (bytes.length > io.backplane.hsm.guard.SigningGuard.MAX_AUDIT_COPY) {
            durable.accept(null);
            commit(lines);
            sinceCheckpoint = checkpointed;
        } else {
            AuditCopy copy = new AuditCopy(size, synced, bytes);
            durable.accept(copy);
            // Durable from here (in the guard log): the chain moves on even if the write below fails.
            advance(lines, bytes.length);
            sinceCheckpoint = checkpointed;
            try {
                write(ByteBuffer.wrap(bytes), copy.offset());
            } catch (IOException e) {
                unwritten = copy;
                throw new UncheckedIOException("audit log " + file + ": cannot append " + event + " (kept in the guard log; written before the "
                        + "next entry or rebuilt at open)", e);
            }
            if (++unsynced >= SYNC_EVERY) {
                force();
            }
            anchor.write(new AuditAnchor.Head(lines.get(lines.size() - 1).seq(), lines.get(lines.size() - 1).hash()));
        }
    }

    private void advance(List<Line> lines, int bytes) {
        Line last = lines.get(lines.size() - 1);
        nextSeq = last.seq() + 1;
        head = last.hash();
        size += bytes;
    }

    /** Writes the entry whose write failed after the guard made it durable (its place is reserved: nothing follows it). */
    private void writeUnwritten() {
        if (unwritten == null) {
            return;
        }
        try {
            channel.truncate(unwritten.offset());
            write(ByteBuffer.wrap(unwritten.bytes()), unwritten.offset());
            unwritten = null;
        } catch (IOException e) {
            throw new UncheckedIOException("audit log " + file + ": cannot write the entry owed at offset " + unwritten.offset(), e);
        }
    }

    private void write(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }

    private void force() {
        try {
            channel.force(false);
            unsynced = 0;
            synced = size;
        } catch (IOException e) {
            // The entries are durable in the guard log regardless; the next fsync (or the rebuild at open) covers them.
            org.slf4j.LoggerFactory.getLogger(AuditLog.class).warn("audit log {}: fsync failed: {}", file, e.getMessage());
        }
    }

    private static byte[] concat(List<Line> lines) {
        int total = lines.stream().mapToInt(l -> l.bytes().length).sum();
        ByteBuffer b = ByteBuffer.allocate(total);
        lines.forEach(l -> b.put(l.bytes()));
        return b.array();
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
        writeUnwritten();
        long before = size;
        byte[] bytes = concat(lines);
        try {
            write(ByteBuffer.wrap(bytes), before);
            channel.force(false);
            unsynced = 0;
            synced = before + bytes.length;
        } catch (IOException e) {
            try {
                channel.truncate(before); // no partial entry left for the next append to follow
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw new UncheckedIOException("audit log " + file + ": cannot append " + lines.get(0).event(), e);
        }
        advance(lines, bytes.length);
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
                if (unsynced > 0 && unwritten == null) {
                    channel.force(false);
                }
                channel.close();
            } catch (IOException ignored) {
                // closing: nothing more to save
            }
        }
    }
}
