package io.backplane.node.store;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.Encodable;
import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import org.rocksdb.WriteBatch;

/**
 * The consensus core's {@link BlockStore} in the node database, with the semantics of the simulation's
 * {@code InMemoryBlockStore}: blocks by id ({@link Column#BLOCKS}), the committed chain as height to id
 * ({@link Column#COMMITTED}) and back ({@link Column#BLOCK_HEIGHTS}), the uncommitted tail in save order
 * ({@link Column#TAIL}), the certificates and own timeout ({@link Column#CONSENSUS_META}). Every method that changes
 * anything makes one synchronous batch write, durable when it returns. Called on the consensus thread only.
 */
final class RocksBlockStore implements BlockStore {
    static final byte[] HIGH_QC = Keys.name("high_qc");
    static final byte[] HIGH_TC = Keys.name("high_tc");
    static final byte[] OWN_TIMEOUT = Keys.name("own_timeout");

    /** An uncommitted block's place in the tail. */
    private record TailEntry(BlockId id, long seq, long round) {
    }

    private final NodeDatabase db;
    /** The next save-order number of the tail; read from the tail on first use. */
    private long nextSeq = -1;

    RocksBlockStore(NodeDatabase db) {
        this.db = db;
    }

    @Override
    public void saveBlock(Block block) {
        byte[] id = block.id().bytes();
        if (db.get(Column.BLOCK_HEIGHTS, id) != null || db.get(Column.TAIL, id) != null) {
            return; // committed, or in the tail already: the first save stands
        }
        long seq = nextSeq();
        try (WriteBatch batch = new WriteBatch()) {
            db.put(batch, Column.BLOCKS, id, encode(block));
            byte[] tail = new byte[16];
            System.arraycopy(Keys.u64(seq), 0, tail, 0, 8);
            System.arraycopy(Keys.u64(block.round()), 0, tail, 8, 8);
            db.put(batch, Column.TAIL, id, tail);
            db.write(batch, "block " + block.id());
        }
        nextSeq = seq + 1;
    }

    @Override
    public void saveHighQc(QuorumCert qc) {
        QuorumCert current = meta(HIGH_QC, QuorumCert::decode, "QuorumCert");
        if (current == null || qc.round() > current.round()) {
            putMeta(HIGH_QC, qc, "high QC " + qc);
        }
    }

    @Override
    public void saveHighTc(TimeoutCert tc) {
        TimeoutCert current = meta(HIGH_TC, TimeoutCert::decode, "TimeoutCert");
        if (current == null || tc.round() > current.round()) {
            putMeta(HIGH_TC, tc, "high TC " + tc);
        }
    }

    @Override
    public void saveOwnTimeout(TimeoutMsg timeout) {
        TimeoutMsg current = ownTimeout().orElse(null);
        if (current == null || timeout.round() >= current.round()) {
            putMeta(OWN_TIMEOUT, timeout, "own timeout of round " + timeout.round());
        }
    }

    @Override
    public void saveCommitted(List<Block> blocks, long firstHeight) {
        long tipHeight = tipHeight();
        long tipRound = tipHeight == 0 ? 0 : committedAt(tipHeight).round();
        Set<BlockId> committedNow = new HashSet<>();
        try (WriteBatch batch = new WriteBatch()) {
            for (int i = 0; i < blocks.size(); i++) {
                long h = firstHeight + i;
                Block b = blocks.get(i);
                byte[] hk = Keys.height(h);
                BlockId earlier = committedId(hk);
                if (earlier != null && !earlier.equals(b.id())) {
                    throw new IllegalStateException("height " + h + " is committed to " + earlier + ", not " + b.id());
                }
                if (h <= tipHeight && earlier == null) {
                    continue; // pruned already
                }
                byte[] id = b.id().bytes();
                db.put(batch, Column.BLOCKS, id, encode(b));
                db.put(batch, Column.COMMITTED, hk, id);
                db.put(batch, Column.BLOCK_HEIGHTS, id, hk);
                db.delete(batch, Column.TAIL, id);
                committedNow.add(b.id());
                if (h > tipHeight) {
                    tipHeight = h;
                    tipRound = b.round();
                }
            }
            // Forks that can no longer commit: every uncommitted block at or below the committed tip's round.
            for (TailEntry t : tail()) {
                if (t.round() <= tipRound && !committedNow.contains(t.id())) {
                    db.delete(batch, Column.TAIL, t.id().bytes());
                    db.delete(batch, Column.BLOCKS, t.id().bytes());
                }
            }
            db.write(batch, blocks.size() + " committed block(s) from height " + firstHeight);
        }
    }

    @Override
    public void pruneBelow(long height) {
        long keep = Math.min(height, tipHeight());
        try (WriteBatch batch = new WriteBatch()) {
            int dropped = db.scan(Column.COMMITTED, it -> {
                int n = 0;
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    byte[] hk = it.key();
                    if (heightKey(hk) >= keep) {
                        break;
                    }
                    byte[] id = idValue(Column.COMMITTED, hk, it.value());
                    db.delete(batch, Column.COMMITTED, hk);
                    db.delete(batch, Column.BLOCKS, id);
                    db.delete(batch, Column.BLOCK_HEIGHTS, id);
                    n++;
                }
                return n;
            });
            if (dropped > 0) {
                db.write(batch, "pruning of " + dropped + " committed block(s) below height " + keep);
            }
        }
    }

    @Override
    public List<Block> committedRange(long fromHeight, long toHeight) {
        if (fromHeight > toHeight || toHeight < 0) {
            return List.of();
        }
        long from = Math.max(0, fromHeight);
        List<byte[]> ids = db.scan(Column.COMMITTED, it -> {
            List<byte[]> out = new ArrayList<>();
            for (it.seek(Keys.height(from)); it.isValid(); it.next()) {
                byte[] hk = it.key();
                if (heightKey(hk) > toHeight) {
                    break;
                }
                out.add(idValue(Column.COMMITTED, hk, it.value()));
            }
            return out;
        });
        List<Block> blocks = new ArrayList<>(ids.size());
        for (byte[] id : ids) {
            blocks.add(block(id, "the committed index"));
        }
        return blocks;
    }

    @Override
    public OptionalLong committedHeight(BlockId id) {
        byte[] key = id.bytes();
        byte[] v = db.get(Column.BLOCK_HEIGHTS, key);
        return v == null ? OptionalLong.empty() : OptionalLong.of(Keys.u64Value(Column.BLOCK_HEIGHTS.cfName, key, v));
    }

    @Override
    public Optional<TimeoutMsg> ownTimeout() {
        return Optional.ofNullable(meta(OWN_TIMEOUT, TimeoutMsg::decode, "TimeoutMsg"));
    }

    @Override
    public Snapshot load() {
        long tipHeight = tipHeight();
        Optional<Block> tip = tipHeight == 0 ? Optional.empty() : Optional.of(committedAt(tipHeight));
        List<Block> uncommitted = new ArrayList<>();
        for (TailEntry t : tail()) {
            uncommitted.add(block(t.id().bytes(), "the uncommitted tail"));
        }
        return new Snapshot(tipHeight, tip, uncommitted, Optional.ofNullable(meta(HIGH_QC, QuorumCert::decode, "QuorumCert")),
                Optional.ofNullable(meta(HIGH_TC, TimeoutCert::decode, "TimeoutCert")), ownTimeout());
    }

    // ---- reading and decoding ----------------------------------------------------------------------------------

    /** The highest committed height (the tip stays through pruning), 0 when nothing is committed. */
    private long tipHeight() {
        return db.scan(Column.COMMITTED, it -> {
            it.seekToLast();
            return it.isValid() ? heightKey(it.key()) : 0L;
        });
    }

    private Block committedAt(long height) {
        byte[] hk = Keys.height(height);
        BlockId id = committedId(hk);
        if (id == null) {
            throw new StoreCorruptedException(Column.COMMITTED.cfName, hk, "the committed height " + height + " names no block");
        }
        return block(id.bytes(), "the committed index");
    }

    private BlockId committedId(byte[] heightKey) {
        byte[] v = db.get(Column.COMMITTED, heightKey);
        return v == null ? null : BlockId.of(idValue(Column.COMMITTED, heightKey, v));
    }

    /** The block stored under {@code id}, which {@code referrer} names: missing or damaged is corruption. */
    private Block block(byte[] id, String referrer) {
        byte[] v = db.get(Column.BLOCKS, id);
        if (v == null) {
            throw new StoreCorruptedException(Column.BLOCKS.cfName, id, "missing, though " + referrer + " names it");
        }
        Block b = decode(Column.BLOCKS, id, v, Block::decode, "Block");
        if (!b.id().equals(BlockId.of(id))) {
            throw new StoreCorruptedException(Column.BLOCKS.cfName, id, "holds block " + b.id().hex() + ", not the block its key names");
        }
        return b;
    }

    /** The uncommitted tail in save order. */
    private List<TailEntry> tail() {
        List<TailEntry> entries = db.scan(Column.TAIL, it -> {
            List<TailEntry> out = new ArrayList<>();
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                byte[] v = it.value();
                if (k.length != BlockId.LENGTH) {
                    throw new StoreCorruptedException(Column.TAIL.cfName, k, "a key of " + k.length + " bytes, not a " + BlockId.LENGTH + "-byte block id");
                }
                if (v.length != 16) {
                    throw new StoreCorruptedException(Column.TAIL.cfName, k, "expected 16 bytes (save order, round), found " + v.length);
                }
                out.add(new TailEntry(BlockId.of(k), Keys.u64(v, 0), Keys.u64(v, 8)));
            }
            return out;
        });
        entries.sort(Comparator.comparingLong(TailEntry::seq));
        return entries;
    }

    private long nextSeq() {
        if (nextSeq < 0) {
            List<TailEntry> t = tail();
            nextSeq = t.isEmpty() ? 0 : t.get(t.size() - 1).seq() + 1;
        }
        return nextSeq;
    }

    private <T> T meta(byte[] key, Function<CanonicalReader, T> decoder, String type) {
        byte[] v = db.get(Column.CONSENSUS_META, key);
        return v == null ? null : decode(Column.CONSENSUS_META, key, v, decoder, type);
    }

    private void putMeta(byte[] key, Encodable value, String what) {
        try (WriteBatch batch = new WriteBatch()) {
            db.put(batch, Column.CONSENSUS_META, key, encode(value));
            db.write(batch, what);
        }
    }

    private static byte[] encode(Encodable value) {
        CanonicalWriter w = new CanonicalWriter(256);
        value.encode(w);
        return w.toByteArray();
    }

    /** Decodes with the type's own codec; anything it refuses is corruption naming the column family and key. */
    static <T> T decode(Column column, byte[] key, byte[] value, Function<CanonicalReader, T> decoder, String type) {
        try {
            return CanonicalReader.decode(value, decoder);
        } catch (RuntimeException e) {
            throw new StoreCorruptedException(column.cfName, key, "cannot decode a " + type + " from " + value.length + " byte(s): " + e.getMessage(), e);
        }
    }

    private static long heightKey(byte[] key) {
        if (key.length != 8) {
            throw new StoreCorruptedException(Column.COMMITTED.cfName, key, "a key of " + key.length + " bytes, not an 8-byte height");
        }
        long h = Keys.u64(key, 0);
        if (h < 0) {
            throw new StoreCorruptedException(Column.COMMITTED.cfName, key, "height out of range");
        }
        return h;
    }

    private static byte[] idValue(Column column, byte[] key, byte[] value) {
        if (value.length != BlockId.LENGTH) {
            throw new StoreCorruptedException(column.cfName, key, "expected a " + BlockId.LENGTH + "-byte block id, found " + value.length + " byte(s)");
        }
        return value;
    }
}
