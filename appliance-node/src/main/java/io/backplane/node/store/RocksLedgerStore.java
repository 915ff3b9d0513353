package io.backplane.node.store;

import io.backplane.node.ledger.LedgerStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The ledger's {@link LedgerStore} in the node database. Tree writes go to an indexed pending batch
 * ({@link WriteBatchWithIndex}) that reads see before the database; {@link #commit} adds the executed height, the root
 * and the transaction index to it and writes it as one synchronous batch. A crash before that loses the pending writes
 * and nothing else: the database keeps the state of the last committed height. Tree reads and writes and commits come
 * from the ledger's executor thread only; {@link #executedHeight}, {@link #stateRootAt} and {@link #txHeight} read
 * committed data only and may be called from any thread. State roots and the transaction index are kept for every height.
 */
final class RocksLedgerStore implements LedgerStore {
    static final byte[] EXECUTED_HEIGHT = Keys.name("executed_height");
    /** A state root is a SHA-256 digest (the sparse Merkle tree's root). */
    static final int ROOT_BYTES = 32;

    private final NodeDatabase db;
    private final WriteBatchWithIndex pending = new WriteBatchWithIndex(true);

    RocksLedgerStore(NodeDatabase db) {
        this.db = db;
    }

    @Override
    public byte[] get(byte[] id) {
        return db.get(pending, Column.SMT_NODES, id);
    }

    @Override
    public void put(byte[] id, byte[] value) {
        Objects.requireNonNull(value, "value");
        db.read(() -> {
            db.put(pending, Column.SMT_NODES, id, value);
            return null;
        });
    }

    @Override
    public void delete(byte[] id) {
        db.read(() -> {
            db.delete(pending, Column.SMT_NODES, id);
            return null;
        });
    }

    /**
     * An estimate: RocksDB's estimate of the committed tree entries ({@code rocksdb.estimate-num-keys}, which counts
     * overwritten and deleted keys until compaction) plus the pending writes not yet committed. For metrics and
     * benchmarks, never for logic.
     */
    @Override
    public long size() {
        return db.estimatedKeys(Column.SMT_NODES) + db.read(pending::count);
    }

    @Override
    public long executedHeight() {
        byte[] v = db.get(Column.LEDGER_META, EXECUTED_HEIGHT);
        return v == null ? 0 : Keys.u64Value(Column.LEDGER_META.cfName, EXECUTED_HEIGHT, v);
    }

    @Override
    public void commit(long height, byte[] stateRoot, List<byte[]> txHashes) {
        long executed = executedHeight();
        if (height < executed) {
            throw new IllegalArgumentException("height " + height + " is below the executed height " + executed);
        }
        if (stateRoot.length != ROOT_BYTES) {
            throw new IllegalArgumentException("a state root is " + ROOT_BYTES + " bytes, got " + stateRoot.length);
        }
        for (byte[] tx : txHashes) {
            Objects.requireNonNull(tx, "transaction hash");
        }
        byte[] hk = Keys.height(height);
        db.read(() -> {
            pending.setSavePoint();
            try {
                db.put(pending, Column.LEDGER_META, EXECUTED_HEIGHT, hk);
                db.put(pending, Column.STATE_ROOTS, hk, stateRoot);
                for (byte[] tx : txHashes) {
                    db.put(pending, Column.TX_INDEX, tx, hk);
                }
                db.write(pending, "ledger commit of height " + height);
            } catch (RuntimeException e) {
                rollback();
                throw e;
            }
            pending.clear();
            return null;
        });
    }

    @Override
    public Optional<byte[]> stateRootAt(long height) {
        if (height < 0) {
            return Optional.empty();
        }
        byte[] hk = Keys.height(height);
        byte[] v = db.get(Column.STATE_ROOTS, hk);
        if (v != null && v.length != ROOT_BYTES) {
            throw new StoreCorruptedException(Column.STATE_ROOTS.cfName, hk, "expected a " + ROOT_BYTES + "-byte state root, found " + v.length + " byte(s)");
        }
        return Optional.ofNullable(v);
    }

    @Override
    public OptionalLong txHeight(byte[] txHash) {
        byte[] v = db.get(Column.TX_INDEX, txHash);
        return v == null ? OptionalLong.empty() : OptionalLong.of(Keys.u64Value(Column.TX_INDEX.cfName, txHash, v));
    }

    /** Drops the commit's own entries from the pending batch, keeping the tree writes, so that a retry starts clean. */
    private void rollback() {
        try {
            pending.rollbackToSavePoint();
        } catch (RocksDBException e) {
            throw new StoreException("node database: cannot roll back a failed ledger commit: " + e.getMessage(), e);
        }
    }

    /** Frees the pending batch (uncommitted writes are dropped); called by {@link NodeDatabase#close}. */
    void release() {
        pending.close();
    }
}
