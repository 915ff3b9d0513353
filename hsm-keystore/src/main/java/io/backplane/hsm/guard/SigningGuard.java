package io.backplane.hsm.guard;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.Watermark;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The double-sign guard's memory and its durable store. Per key and kind it keeps the watermark (highest signed
 * (epoch, round)) and the recent signed (epoch, round) slots with the SHA-256 of their bytes and the signature.
 *
 * <p>Store: an append-only log, one record per signature, each framed as {@code u32 length, u32 CRC32C, payload}
 * (payload in the canonical encoding) and {@code fsync}ed before {@link #record} returns. Chosen over RocksDB because
 * every write must be synchronous anyway, the format is small enough to reason about after a crash, and a failed write
 * can be rolled back by truncation. After a crash only the last record can be torn (records are written one at a time
 * and each is fsynced before the next); a torn tail is cut off at open, and since its signature was never released,
 * losing it is safe. Damage anywhere else refuses to open, naming the offset. The log is compacted at open when large.
 *
 * <p>Thread-safe (one monitor); callers serialise check-sign-record per key ({@link GuardedSigning} does).
 */
public final class SigningGuard implements AutoCloseable {
    static final byte[] MAGIC = "BPGUARD1".getBytes(StandardCharsets.US_ASCII);
    static final int TYPE_SIGNED = 1;
    static final int TYPE_WATERMARK = 2;
    static final int MAX_RECORD = 4096;
    /** Recent slots kept per key (memory and compaction); older ones are covered by the watermark. */
    static final int RECENT_PER_KEY = 1024;
    static final long COMPACT_ABOVE_BYTES = 8L << 20;

    /** The guard's answer to a request. */
    public sealed interface Decision {
    }

    /** Never signed at or above this slot: sign, then {@link #record}. */
    public record Fresh() implements Decision {
    }

    /** The identical bytes were signed already: release this stored signature again. */
    public record Repeat(byte[] signature) implements Decision {
    }

    /** Conflicts with what was signed: refuse. */
    public record Refuse(Watermark watermark, String reason) implements Decision {
    }

    /** A signed slot: (kind, epoch, round), the SHA-256 of the bytes and the signature. */
    public record Signed(SigningKind kind, long epoch, long round, byte[] sha256, byte[] signature) {
    }

    record Slot(SigningKind kind, long epoch, long round) {
    }

    static final class KeyState {
        final EnumMap<SigningKind, Watermark> watermarks = new EnumMap<>(SigningKind.class);
        final LinkedHashMap<Slot, Signed> recent = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Slot, Signed> eldest) {
                return size() > RECENT_PER_KEY;
            }
        };
    }

    private final Path file;
    private final Map<String, KeyState> keys = new TreeMap<>();
    private FileChannel channel;
    private FileChannel lockChannel;
    private java.nio.channels.FileLock lock;
    private long size;
    private boolean poisoned;

    private SigningGuard(Path file) {
        this.file = file;
    }

    /** Opens (creating if absent) the guard store {@code dir/guard.log}, replaying it; cuts a torn tail. */
    public static SigningGuard open(Path dir) {
        return open(dir, COMPACT_ABOVE_BYTES);
    }

    static SigningGuard open(Path dir, long compactAboveBytes) {
        SigningGuard g = new SigningGuard(dir.resolve("guard.log"));
        try {
            Files.createDirectories(dir);
            g.lock(dir.resolve("guard.lock"));
            g.load();
            if (g.size > compactAboveBytes) {
                g.compact();
            }
        } catch (IOException e) {
            g.closeQuietly();
            throw new GuardStoreException("guard store " + g.file + " cannot be opened: " + e, false, e);
        } catch (RuntimeException e) {
            g.closeQuietly();
            throw e;
        }
        return g;
    }

    public Path file() {
        return file;
    }

    /**
     * One writer per store, across processes: two signers appending to one log (a node and a CLI, or two nodes on one
     * home) could each pass the check for the same slot. Held until {@link #close()}; the OS drops it if we die.
     */
    private void lock(Path lockFile) throws IOException {
        lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            lockChannel = null;
            throw new GuardStoreException("guard store " + file + " is in use by another signer (a running node?); "
                    + "stop it first: two signers on one guard store could double-sign", true, null);
        }
    }

    private void load() throws IOException {
        boolean fresh = !Files.exists(file);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (fresh || channel.size() == 0) {
            channel.write(ByteBuffer.wrap(MAGIC), 0);
            channel.force(true);
            fsyncDir(file.getParent());
            size = MAGIC.length;
            return;
        }
        byte[] all = Files.readAllBytes(file);
        if (all.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new GuardStoreException("guard store " + file + " is not a guard log (bad magic); refusing to sign with it", false, null);
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        int pos = MAGIC.length;
        while (pos < all.length) {
            String problem = null;
            int len = 0;
            if (all.length - pos < 8) {
                problem = "truncated header";
            } else {
                len = buf.getInt(pos);
                int crc = buf.getInt(pos + 4);
                if (len <= 0 || len > MAX_RECORD) {
                    problem = "bad length " + len;
                } else if (pos + 8 + len > all.length) {
                    problem = "truncated record";
                } else {
                    CRC32C c = new CRC32C();
                    c.update(all, pos + 8, len);
                    if ((int) c.getValue() != crc) {
                        problem = "CRC mismatch";
                    }
                }
            }
            if (problem != null) {
                if (all.length - pos <= MAX_RECORD + 8) {
                    // A torn last write: its signature was never released (release waits for fsync). Cut it off.
                    channel.truncate(pos);
                    channel.force(true);
                    break;
                }
                throw new GuardStoreException("guard store " + file + " is damaged at offset " + pos + " (" + problem
                        + ") with " + (all.length - pos) + " bytes after it; refusing to sign (restore it or import history)", false, null);
            }
            apply(decode(Arrays.copyOfRange(all, pos + 8, pos + 8 + len)));
            pos += 8 + len;
        }
        size = Math.min(pos, all.length);
    }

    /** Decoded log record. */
    record Entry(int type, String keyId, SigningKind kind, long epoch, long round, byte[] sha256, byte[] signature) {
    }

    static byte[] encode(Entry e) {
        CanonicalWriter w = new CanonicalWriter(256).u8(e.type()).string(e.keyId()).u8(e.kind().ordinal()).u64(e.epoch()).u64(e.round());
        if (e.type() == TYPE_SIGNED) {
            w.fixed(e.sha256(), 32).bytes(e.signature());
        }
        return w.toByteArray();
    }

    static Entry decode(byte[] payload) {
        return CanonicalReader.decode(payload, r -> {
            int type = r.u8();
            String keyId = r.string(256);
            int kind = r.u8();
            if (kind >= SigningKind.values().length) {
                throw new IllegalArgumentException("bad kind " + kind);
            }
            long epoch = r.u64();
            long round = r.u64();
            if (type == TYPE_SIGNED) {
                return new Entry(type, keyId, SigningKind.values()[kind], epoch, round, r.fixed(32), r.bytes(1024));
            }
            if (type == TYPE_WATERMARK) {
                return new Entry(type, keyId, SigningKind.values()[kind], epoch, round, null, null);
            }
            throw new IllegalArgumentException("bad record type " + type);
        });
    }

    private void apply(Entry e) {
        KeyState ks = keys.computeIfAbsent(e.keyId(), k -> new KeyState());
        Watermark wm = ks.watermarks.get(e.kind());
        if (wm == null || !wm.covers(e.epoch(), e.round())) {
            ks.watermarks.put(e.kind(), new Watermark(e.keyId(), e.kind(), e.epoch(), e.round()));
        }
        if (e.type() == TYPE_SIGNED) {
            ks.recent.put(new Slot(e.kind(), e.epoch(), e.round()), new Signed(e.kind(), e.epoch(), e.round(), e.sha256(), e.signature()));
        }
    }

    /** What to do with {@code request}, whose bytes hash to {@code sha256}. Changes nothing. */
    public synchronized Decision check(SigningRequest request, byte[] sha256) {
        ensureUsable();
        KeyState ks = keys.get(request.keyId());
        if (ks == null) {
            return new Fresh();
        }
        Watermark wm = ks.watermarks.get(request.kind());
        Signed prior = ks.recent.get(new Slot(request.kind(), request.epoch(), request.round()));
        if (prior != null) {
            if (MessageDigest.isEqual(prior.sha256(), sha256)) {
                return new Repeat(prior.signature().clone());
            }
            return new Refuse(wm, "key " + request.keyId() + " already signed different bytes for " + request.kind().wireName()
                    + " at epoch " + request.epoch() + " round " + request.round());
        }
        if (wm != null && wm.covers(request.epoch(), request.round())) {
            return new Refuse(wm, "key " + request.keyId() + " " + request.kind().wireName() + " watermark is epoch " + wm.epoch()
                    + " round " + wm.round() + "; refusing epoch " + request.epoch() + " round " + request.round());
        }
        return new Fresh();
    }

    /**
     * Makes the signature of {@code request} durable (appended and fsynced) and raises the watermark. Only after this
     * returns may the signature be released. On failure the log is rolled back to its last durable record, memory is
     * unchanged, and a {@link GuardStoreException} is thrown.
     */
    public synchronized void record(SigningRequest request, byte[] sha256, byte[] signature) {
        Entry e = new Entry(TYPE_SIGNED, request.keyId(), request.kind(), request.epoch(), request.round(), sha256.clone(), signature.clone());
        append(List.of(e));
        apply(e);
    }

    private void append(List<Entry> entries) {
        ensureUsable();
        ByteBuffer out = ByteBuffer.allocate(entries.size() * (MAX_RECORD + 8));
        for (Entry e : entries) {
            byte[] payload = encode(e);
            CRC32C c = new CRC32C();
            c.update(payload);
            out.putInt(payload.length).putInt((int) c.getValue()).put(payload);
        }
        out.flip();
        long before = size;
        try {
            long at = before;
            while (out.hasRemaining()) {
                at += channel.write(out, at);
            }
            channel.force(false);
            size = at;
        } catch (IOException ex) {
            try {
                channel.truncate(before);
                channel.force(false);
            } catch (IOException again) {
                poisoned = true;
                throw new GuardStoreException("guard store " + file + ": write failed (" + ex.getMessage() + ") and could not be rolled back ("
                        + again.getMessage() + "); refusing every signature until restart", false, ex);
            }
            throw new GuardStoreException("guard store " + file + ": cannot make the record durable (" + ex.getMessage()
                    + "); signature refused, not released", true, ex);
        }
    }

    private void ensureUsable() {
        if (poisoned || channel == null) {
            throw new GuardStoreException("guard store " + file + " is " + (poisoned ? "in an unknown state after a failed write" : "closed")
                    + "; refusing to sign", false, null);
        }
    }

    /** The watermark of {@code keyId} for {@code kind}, if it ever signed that kind. */
    public synchronized Optional<Watermark> watermark(String keyId, SigningKind kind) {
        KeyState ks = keys.get(keyId);
        return ks == null ? Optional.empty() : Optional.ofNullable(ks.watermarks.get(kind));
    }

    /** One key's history: its watermarks and recent signed slots. */
    public record KeyHistory(String keyId, List<Watermark> watermarks, List<Signed> signed) {
    }

    /** Every key's history (for export), or only {@code keyId}'s when non-null. */
    public synchronized List<KeyHistory> history(String keyId) {
        List<KeyHistory> out = new ArrayList<>();
        for (Map.Entry<String, KeyState> e : keys.entrySet()) {
            if (keyId == null || keyId.equals(e.getKey())) {
                out.add(new KeyHistory(e.getKey(), List.copyOf(e.getValue().watermarks.values()), List.copyOf(e.getValue().recent.values())));
            }
        }
        return out;
    }

    /** What an import changed. */
    public record ImportResult(int watermarksRaised, int slotsAdded, List<String> conflicts) {
    }

    /**
     * Merges histories: a watermark is only ever raised, a signed slot is added when unknown here. A slot known here
     * with different bytes is a conflict: it is reported and the local record kept. All records are written in one
     * fsynced append, so an import is all or nothing.
     */
    public synchronized ImportResult importHistory(List<KeyHistory> histories) {
        List<Entry> entries = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        int raised = 0;
        int added = 0;
        for (KeyHistory h : histories) {
            KeyState ks = keys.get(h.keyId());
            for (Watermark w : h.watermarks()) {
                Watermark local = ks == null ? null : ks.watermarks.get(w.kind());
                if (local == null || w.isAbove(local.epoch(), local.round())) {
                    entries.add(new Entry(TYPE_WATERMARK, h.keyId(), w.kind(), w.epoch(), w.round(), null, null));
                    raised++;
                }
            }
            for (Signed s : h.signed()) {
                Signed local = ks == null ? null : ks.recent.get(new Slot(s.kind(), s.epoch(), s.round()));
                if (local == null) {
                    entries.add(new Entry(TYPE_SIGNED, h.keyId(), s.kind(), s.epoch(), s.round(), s.sha256(), s.signature()));
                    added++;
                } else if (!MessageDigest.isEqual(local.sha256(), s.sha256())) {
                    conflicts.add(h.keyId() + " " + s.kind().wireName() + " epoch " + s.epoch() + " round " + s.round()
                            + ": imported bytes differ from those signed here (kept the local record)");
                }
            }
        }
        if (!entries.isEmpty()) {
            append(entries);
            entries.forEach(this::apply);
        }
        return new ImportResult(raised, added, conflicts);
    }

    /** Rewrites the log as its current state (watermarks + recent slots): temp file, fsync, atomic rename, fsync dir. */
    private void compact() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".compact");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.wrap(MAGIC));
            for (KeyHistory h : history(null)) {
                for (Watermark w : h.watermarks()) {
                    writeFramed(out, new Entry(TYPE_WATERMARK, h.keyId(), w.kind(), w.epoch(), w.round(), null, null));
                }
                for (Signed s : h.signed()) {
                    writeFramed(out, new Entry(TYPE_SIGNED, h.keyId(), s.kind(), s.epoch(), s.round(), s.sha256(), s.signature()));
                }
            }
            out.force(true);
        }
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(file.getParent());
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        size = channel.size();
    }

    private static void writeFramed(FileChannel out, Entry e) throws IOException {
        byte[] payload = encode(e);
        CRC32C c = new CRC32C();
        c.update(payload);
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length).putInt(payload.length).putInt((int) c.getValue()).put(payload);
        b.flip();
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeQuietly() {
        try {
            if (channel != null) {
                channel.close();
            }
            if (lockChannel != null) {
                lockChannel.close(); // releases the lock
                lockChannel = null;
            }
        } catch (IOException ignored) {
            // closing: nothing more to do
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
        channel = null;
    }
}
