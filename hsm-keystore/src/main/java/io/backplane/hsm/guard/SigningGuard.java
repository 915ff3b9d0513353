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
 * (payload in the canonical encoding) and {@code fsync}ed before {@link #record} returns. Record types: a signed slot
 * (1), a watermark (2, imports and compaction), and a signed slot carrying its audit entry's exact bytes and offset (3,
 * {@link AuditCopy}): the audit log appends that entry without an fsync of its own and rebuilds it from here after a
 * power cut, so a signature costs one fsync. Chosen over RocksDB because
 * every write must be synchronous anyway, the format is small enough to reason about after a crash, and a failed write
 * can be rolled back by truncation. After a crash only the last record can be torn (records are written one append at
 * a time and each append is fsynced before the next), so at open exactly this is cut, with a WARN naming the offset and
 * the bytes dropped: a truncated record header at the very end, or a last record whose declared length runs past the
 * end of the file with no complete record inside the bytes it would cover. Anything else (a complete record with a bad
 * CRC or an out-of-range length, anywhere, the last one included) is damage: the store refuses to open, naming the
 * file, the offset and what to do.
 *
 * <p>Missing history (a deleted, emptied, cut-back or rolled-back log) cannot be seen in the log itself; it is seen
 * against the {@link GuardAnchor} (the watermarks kept in the token) and against {@linkplain #require evidence} from
 * the signing audit trail. A log behind either opens <em>refusing</em>: every {@link #check} throws, naming what is
 * missing, until {@link #importHistory} (never lowering a watermark) brings it back to cover them. Export and import
 * keep working meanwhile.
 *
 * <p>Thread-safe (one monitor); callers serialise check-sign-record per key ({@link GuardedSigning} does), and release
 * a signature only after {@link #commitAnchor()}.
 */
public final class SigningGuard implements AutoCloseable {
    static final byte[] MAGIC = "BPGUARD1".getBytes(StandardCharsets.US_ASCII);
    static final int TYPE_SIGNED = 1;
    static final int TYPE_WATERMARK = 2;
    /** A signed slot that also carries the exact bytes of its audit entry and where they go ({@link AuditCopy}). */
    static final int TYPE_SIGNED_AUDITED = 3;
    /** The largest audit copy a record carries (a {@code sign} entry and a checkpoint are under 1.5 KiB). */
    public static final int MAX_AUDIT_COPY = 2048;
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

    /**
     * The exact bytes of the audit entries (a {@code sign} entry, and the checkpoint that fell due with it) that the
     * audit log holds, or will hold, at {@code offset}, and how much of the audit log was fsynced then ({@code synced}:
     * a power cut cannot take those bytes). Made durable in the guard record of that signature, so the audit log
     * appends them without an fsync of its own: after a power cut the audit log rebuilds them from here.
     */
    public record AuditCopy(long offset, long synced, byte[] bytes) {
        public AuditCopy {
            if (offset < 0 || synced < 0 || synced > offset || bytes.length == 0 || bytes.length > MAX_AUDIT_COPY) {
                throw new IllegalArgumentException("audit copy needs 0 <= synced <= offset and 1.." + MAX_AUDIT_COPY + " bytes");
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }
    }

    static final class KeyState {
        final EnumMap<SigningKind, Watermark> watermarks = new EnumMap<>(SigningKind.class);
        final LinkedHashMap<Slot, Signed> recent = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Slot, Signed> eldest) {
                return size() > RECENT_PER_KEY;
            }
        };
        /** The audit copies of the most recent audited slots (kept through compaction). */
        final LinkedHashMap<Slot, AuditCopy> audited = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Slot, AuditCopy> eldest) {
                return size() > RECENT_PER_KEY;
            }
        };
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SigningGuard.class);

    private final Path file;
    private final GuardAnchor anchor;
    private Map<String, KeyState> keys = new TreeMap<>();
    /** What the log must cover (the anchor, audit evidence); while it does not, {@link #blocked} says why. */
    private List<Watermark> required = List.of();
    private String requiredFrom = "";
    private String blocked;
    private long tornAt;
    private long tornBytes;
    private String tornWhy;
    private FileChannel channel;
    private FileChannel lockChannel;
    private java.nio.channels.FileLock lock;
    private Path lockFile;
    private Object lockKey;
    private long size;
    private boolean poisoned;

    private SigningGuard(Path file, GuardAnchor anchor) {
        this.file = file;
        this.anchor = anchor;
    }

    /**
     * Opens (creating if absent) the guard store {@code dir/guard.log} without an anchor ({@link GuardAnchor#NONE}:
     * tests, simulations); damage is detected, missing history is not.
     */
    public static SigningGuard open(Path dir) {
        return open(dir, GuardAnchor.NONE);
    }

    /**
     * Opens (creating if absent) the guard store {@code dir/guard.log}, replaying it (a torn last record is cut, any
     * other damage refuses to open), and compares it with {@code anchor}: a log behind it opens refusing to sign; a
     * log ahead of it (the crash window, or an anchor not made yet) raises the anchor. A missing log with no anchored
     * watermarks is a fresh start.
     */
    public static SigningGuard open(Path dir, GuardAnchor anchor) {
        return open(dir, anchor, COMPACT_ABOVE_BYTES);
    }

    static SigningGuard open(Path dir, long compactAboveBytes) {
        return open(dir, GuardAnchor.NONE, compactAboveBytes);
    }

    static SigningGuard open(Path dir, GuardAnchor anchor, long compactAboveBytes) {
        SigningGuard g = new SigningGuard(dir.resolve("guard.log"), anchor);
        try {
            Files.createDirectories(dir);
            g.lock(dir.resolve("guard.lock"));
            g.load();
            Optional<List<Watermark>> anchored = anchor.read();
            if (anchored.isPresent()) {
                g.require(anchored.get(), "the guard anchor in the token");
            } else if (!g.keys.isEmpty() && anchor != GuardAnchor.NONE) {
                LOG.warn("guard store {}: no anchor yet (a log made before anchors, or a new token); anchoring its watermarks now", g.file);
            }
            g.cutTornTail();
            if (g.blocked == null && g.size > compactAboveBytes) {
                g.compact();
            }
            // Ahead of the anchor (a crash after the log's fsync, before the anchor's update; or no anchor yet): raise it.
            g.commitAnchor();
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
        this.lockFile = lockFile;
        this.lockKey = lockKey(lockFile);
    }

    private static Object lockKey(Path lockFile) throws IOException {
        return Files.readAttributes(lockFile, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /**
     * The lock only excludes a second signer while {@code guard.lock} is the file we locked: once it is removed or
     * replaced, another signer gets a lock of its own and appends beside us from a state that misses our signatures.
     * Checked on every check, record and anchor (one stat), so we stop before releasing anything more.
     */
    private void ensureLocked() {
        Object now;
        try {
            now = lockKey(lockFile);
        } catch (IOException e) {
            now = null;
        }
        if (lockKey == null || !lockKey.equals(now)) {
            // Not poisoned: the inode we hold open does not come back under that name by accident, so this keeps refusing.
            throw new GuardStoreException("guard store " + file + ": its lock file " + lockFile + " was removed or replaced while this signer "
                    + "held it, so another signer may be writing the log; refusing every signature until restart (never remove guard.lock "
                    + "while a signer runs)", false, null);
        }
    }

    private void load() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        byte[] all = Files.readAllBytes(file);
        Parsed p = parse(file, all);
        if (p.magicMissing) {
            // New (or its creation was torn before the magic was durable: nothing was ever recorded in it).
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(MAGIC), 0);
            channel.force(true);
            fsyncDir(file.getParent());
            size = MAGIC.length;
            keys = p.keys;
            return;
        }
        keys = p.keys;
        size = p.end;
        if (p.torn != null) {
            tornAt = p.end;
            tornWhy = p.torn;
            tornBytes = all.length - p.end;
        }
    }

    /**
     * Cuts the torn last record found by {@link #load}, now that the anchor was compared: a torn write's record was
     * never anchored (the anchor is raised after the record's fsync), so if the log without it is behind the anchor,
     * the record was complete once and this is damage (a flipped length bit, say): refused, and nothing is cut.
     */
    private void cutTornTail() throws IOException {
        if (tornWhy == null) {
            return;
        }
        if (blocked != null) {
            String why = tornWhy;
            throw damaged(file, (int) tornAt, (int) tornBytes, why + ", but without it the log is behind the anchor in the token, so that "
                    + "record was complete once (not a torn last write)");
        }
        // A torn last write: its signature was never released (release waits for the fsync, then the anchor).
        LOG.warn("guard store {}: cut a torn last record at offset {} ({}): {} bytes dropped", file, tornAt, tornWhy, tornBytes);
        channel.truncate(tornAt);
        channel.force(true);
        tornWhy = null;
    }

    /** The result of reading a log: its state, where its intact part ends, and the torn tail after it (if any). */
    private record Parsed(Map<String, KeyState> keys, int end, String torn, boolean magicMissing) {
    }

    /**
     * Reads {@code all} (the bytes of {@code file}) strictly. Only a torn last write is tolerated (returned as
     * {@code torn}, for the caller to cut or ignore); any other damage throws, naming the offset.
     */
    private static Parsed parse(Path file, byte[] all) {
        Map<String, KeyState> keys = new TreeMap<>();
        if (all.length < MAGIC.length && Arrays.equals(all, Arrays.copyOf(MAGIC, all.length))) {
            return new Parsed(keys, 0, null, true);
        }
        if (all.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new GuardStoreException("guard store " + file + " is not a guard log (bad magic at offset 0); refusing to sign with it. "
                    + RECOVERY, false, null);
        }
        ByteBuffer buf = ByteBuffer.wrap(all);
        int pos = MAGIC.length;
        while (pos < all.length) {
            int remaining = all.length - pos;
            if (remaining < 8) {
                return new Parsed(keys, pos, "truncated record header", false);
            }
            int len = buf.getInt(pos);
            int crc = buf.getInt(pos + 4);
            if (len <= 0 || len > MAX_RECORD) {
                throw damaged(file, pos, remaining, "record length " + len + " is outside 1.." + MAX_RECORD);
            }
            if (len > remaining - 8) {
                if (frameWithin(all, pos + 1)) {
                    throw damaged(file, pos, remaining, "record length " + len + " runs past the end of the file, but a complete record "
                            + "follows inside it (not a torn last write)");
                }
                return new Parsed(keys, pos, "record of " + len + " bytes with only " + (remaining - 8) + " written", false);
            }
            CRC32C c = new CRC32C();
            c.update(all, pos + 8, len);
            if ((int) c.getValue() != crc) {
                throw damaged(file, pos, remaining, "CRC32C mismatch in a complete record");
            }
            Entry e;
            try {
                e = decode(Arrays.copyOfRange(all, pos + 8, pos + 8 + len));
            } catch (RuntimeException ex) {
                throw damaged(file, pos, remaining, "undecodable record: " + ex.getMessage());
            }
            apply(keys, e);
            pos += 8 + len;
        }
        return new Parsed(keys, pos, null, false);
    }

    /** True when a complete, CRC-valid record frame starts at some offset in {@code [from, end)}. */
    private static boolean frameWithin(byte[] all, int from) {
        ByteBuffer buf = ByteBuffer.wrap(all);
        for (int q = from; q + 8 < all.length; q++) {
            int len = buf.getInt(q);
            if (len > 0 && len <= MAX_RECORD && len <= all.length - q - 8) {
                CRC32C c = new CRC32C();
                c.update(all, q + 8, len);
                if ((int) c.getValue() == buf.getInt(q + 4)) {
                    return true;
                }
            }
        }
        return false;
    }

    static final String RECOVERY = "Keep the file for inspection, then put back an intact copy of guard.log, or move it aside and run "
            + "`backplane keys guard-import --in FILE` with the history of a backup (`keys guard-export`); signing stays refused until "
            + "the history covers the watermarks anchored in the token";

    private static GuardStoreException damaged(Path file, int pos, int remaining, String why) {
        return new GuardStoreException("guard store " + file + " is damaged at offset " + pos + " (" + why + "; " + remaining
                + " bytes from there to the end); refusing to sign with it. " + RECOVERY, false, null);
    }

    /**
     * Reads the history in {@code dir/guard.log} without changing anything (no lock, nothing created or cut; a torn
     * last record is left out). A missing log has no history. Damage throws, as at open. For {@code guard-export}.
     */
    public static List<KeyHistory> readHistory(Path dir, String keyId) {
        Path f = dir.resolve("guard.log");
        if (!Files.exists(f)) {
            return List.of();
        }
        byte[] all;
        try {
            all = Files.readAllBytes(f);
        } catch (IOException e) {
            throw new GuardStoreException("guard store " + f + " cannot be read: " + e, false, e);
        }
        Parsed p = parse(f, all);
        if (p.torn() != null) {
            LOG.warn("guard store {}: a torn last record at offset {} ({}) is left out; the signer cuts it at its next open", f, p.end(), p.torn());
        }
        return history(p.keys(), keyId);
    }

    /** Decoded log record. */
    record Entry(int type, String keyId, SigningKind kind, long epoch, long round, byte[] sha256, byte[] signature, AuditCopy audit) {
        Entry(int type, String keyId, SigningKind kind, long epoch, long round, byte[] sha256, byte[] signature) {
            this(type, keyId, kind, epoch, round, sha256, signature, null);
        }
    }

    static byte[] encode(Entry e) {
        CanonicalWriter w = new CanonicalWriter(256).u8(e.type()).string(e.keyId()).u8(e.kind().ordinal()).u64(e.epoch()).u64(e.round());
        if (e.type() == TYPE_SIGNED || e.type() == TYPE_SIGNED_AUDITED) {
            w.fixed(e.sha256(), 32).bytes(e.signature());
        }
        if (e.type() == TYPE_SIGNED_AUDITED) {
            w.u64(e.audit().offset()).u64(e.audit().synced()).bytes(e.audit().bytes());
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
            if (type == TYPE_SIGNED_AUDITED) {
                byte[] sha = r.fixed(32);
                byte[] sig = r.bytes(1024);
                long offset = r.u64();
                long synced = r.u64();
                byte[] copy = r.bytes(MAX_AUDIT_COPY);
                return new Entry(type, keyId, SigningKind.values()[kind], epoch, round, sha, sig, new AuditCopy(offset, synced, copy));
            }
            if (type == TYPE_WATERMARK) {
                return new Entry(type, keyId, SigningKind.values()[kind], epoch, round, null, null);
            }
            throw new IllegalArgumentException("bad record type " + type);
        });
    }

    private void apply(Entry e) {
        apply(keys, e);
    }

    private static void apply(Map<String, KeyState> keys, Entry e) {
        KeyState ks = keys.computeIfAbsent(e.keyId(), k -> new KeyState());
        Watermark wm = ks.watermarks.get(e.kind());
        if (wm == null || !wm.covers(e.epoch(), e.round())) {
            ks.watermarks.put(e.kind(), new Watermark(e.keyId(), e.kind(), e.epoch(), e.round()));
        }
        if (e.type() == TYPE_SIGNED || e.type() == TYPE_SIGNED_AUDITED) {
            Slot slot = new Slot(e.kind(), e.epoch(), e.round());
            ks.recent.put(slot, new Signed(e.kind(), e.epoch(), e.round(), e.sha256(), e.signature()));
            if (e.audit() != null) {
                ks.audited.put(slot, e.audit());
            }
        }
    }

    /** What to do with {@code request}, whose bytes hash to {@code sha256}. Changes nothing. */
    public synchronized Decision check(SigningRequest request, byte[] sha256) {
        ensureUsable();
        if (blocked != null) {
            throw new GuardStoreException(blocked, false, null);
        }
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
        record(request, sha256, signature, null);
    }

    /**
     * As {@link #record(SigningRequest, byte[], byte[])}, the record also carrying {@code audit} (null: none), the
     * audit entry of this signature, in the same write and fsync.
     */
    public synchronized void record(SigningRequest request, byte[] sha256, byte[] signature, AuditCopy audit) {
        Entry e = new Entry(audit == null ? TYPE_SIGNED : TYPE_SIGNED_AUDITED, request.keyId(), request.kind(), request.epoch(), request.round(),
                sha256.clone(), signature.clone(), audit);
        append(List.of(e));
        apply(e);
    }

    /**
     * The audit copies this log holds (those of the last {@value #RECENT_PER_KEY} audited slots per key), by offset:
     * what the audit log rebuilds a tail lost in a power cut from.
     */
    public synchronized List<AuditCopy> auditCopies() {
        return auditCopies(keys);
    }

    private static List<AuditCopy> auditCopies(Map<String, KeyState> keys) {
        List<AuditCopy> out = new ArrayList<>();
        keys.values().forEach(k -> out.addAll(k.audited.values()));
        out.sort(java.util.Comparator.comparingLong(AuditCopy::offset));
        return out;
    }

    /**
     * The audit copies in {@code dir/guard.log}, read without changing anything (as {@link #readHistory}); for
     * {@code audit-verify}, which checks the audit log as it will be once rebuilt.
     */
    public static List<AuditCopy> readAuditCopies(Path dir) {
        Path f = dir.resolve("guard.log");
        if (!Files.exists(f)) {
            return List.of();
        }
        try {
            return auditCopies(parse(f, Files.readAllBytes(f)).keys());
        } catch (IOException e) {
            throw new GuardStoreException("guard store " + f + " cannot be read: " + e, false, e);
        }
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
        ensureLocked();
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
        return history(keys, keyId);
    }

    private static List<KeyHistory> history(Map<String, KeyState> keys, String keyId) {
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
        for (KeyHistory h : histories) {
            // What the log (and the token anchor) could not read back would brick the guard at its next open.
            int idBytes = h.keyId().getBytes(StandardCharsets.UTF_8).length;
            if (idBytes == 0 || idBytes > 256) {
                throw new IllegalArgumentException("guard history: key id '" + h.keyId() + "' is " + idBytes
                        + " UTF-8 bytes; a key id is 1 to 256; nothing imported");
            }
            for (Signed s : h.signed()) {
                if (s.sha256().length != 32 || s.signature().length == 0 || s.signature().length > 1024) {
                    throw new IllegalArgumentException("guard history: key id '" + h.keyId() + "' slot epoch " + s.epoch() + " round "
                            + s.round() + " needs a 32-byte sha256 and a 1..1024-byte signature; nothing imported");
                }
            }
        }
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
        if (blocked != null) {
            reevaluate();
        }
        return new ImportResult(raised, added, conflicts);
    }

    /** Every watermark, sorted by key id then kind. */
    public synchronized List<Watermark> watermarks() {
        List<Watermark> out = new ArrayList<>();
        keys.values().forEach(k -> out.addAll(k.watermarks.values()));
        return out;
    }

    /**
     * Requires the log to cover {@code evidence} (watermarks some other record says were signed: the anchor, the audit
     * trail's signatures). Where it does not, the guard refuses every signature, naming {@code source} and what is
     * missing, until {@link #importHistory} raises the log to cover it.
     */
    public synchronized void require(List<Watermark> evidence, String source) {
        List<Watermark> before = required;
        required = GuardAnchor.max(required, evidence);
        if (!required.equals(before)) {
            requiredFrom = requiredFrom.isEmpty() ? source : requiredFrom + " and " + source;
        }
        reevaluate();
    }

    /** Why the guard refuses to sign (history missing), or empty. */
    public synchronized Optional<String> refusal() {
        return Optional.ofNullable(blocked);
    }

    private void reevaluate() {
        List<String> missing = new ArrayList<>();
        for (Watermark w : required) {
            KeyState ks = keys.get(w.keyId());
            Watermark local = ks == null ? null : ks.watermarks.get(w.kind());
            if (local == null || !local.covers(w.epoch(), w.round())) {
                missing.add(w.keyId() + " " + w.kind().wireName() + " needs epoch " + w.epoch() + " round " + w.round() + ", the log has "
                        + (local == null ? "none" : "epoch " + local.epoch() + " round " + local.round()));
            }
        }
        if (missing.isEmpty()) {
            if (blocked != null) {
                LOG.warn("guard store {}: history restored; it covers {} again", file, requiredFrom);
            }
            blocked = null;
            return;
        }
        blocked = "guard store " + file + " is missing signed history (deleted, emptied, cut back or replaced by an older copy): "
                + requiredFrom + " shows more than it holds (" + String.join("; ", missing) + "). Refusing to sign: put back a copy of "
                + "guard.log that is not older, or run `backplane keys guard-import --in FILE` with a history that covers it "
                + "(guard-import never lowers a watermark)";
    }

    /**
     * Raises the anchor to this guard's watermarks (a no-op when unanchored or when nothing rose). A signature
     * recorded by {@link #record} may be released only after this returns; {@link GuardedSigning} calls it last.
     */
    public void commitAnchor() {
        List<Watermark> now;
        synchronized (this) {
            if (anchor == GuardAnchor.NONE || keys.isEmpty()) {
                return;
            }
            ensureUsable();
            now = watermarks();
        }
        // Outside the monitor: the anchor keeps the maximum under its own lock, so racing writers never lower it.
        anchor.write(now);
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
                KeyState ks = keys.get(h.keyId());
                for (Signed s : h.signed()) {
                    // An audit copy is kept: the audit log may still need it to rebuild a tail a power cut took.
                    AuditCopy copy = ks.audited.get(new Slot(s.kind(), s.epoch(), s.round()));
                    writeFramed(out, new Entry(copy == null ? TYPE_SIGNED : TYPE_SIGNED_AUDITED, h.keyId(), s.kind(), s.epoch(), s.round(),
                            s.sha256(), s.signature(), copy));
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
