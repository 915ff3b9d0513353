package io.backplane.node.store;

import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.ledger.LedgerStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.stream.Stream;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.TickerType;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

/**
 * The node's embedded RocksDB: one database directory, one column family per kind of record ({@link Column}), serving
 * the consensus core's {@link BlockStore} and the ledger's {@link LedgerStore}. Every write is one synchronous
 * (fsynced WAL) batch. One process holds a directory at a time (RocksDB's LOCK file); a second open fails naming that.
 * Closing waits for reads and writes in progress; any use after {@link #close()} throws {@link IllegalStateException}.
 */
public final class NodeDatabase implements AutoCloseable {
    /** What the default column family holds under {@link #FORMAT_KEY}: a foreign RocksDB directory is refused. */
    static final String FORMAT = "backplane-node-db/1";
    static final byte[] FORMAT_KEY = Keys.name("format");
    private static final long MAX_TOTAL_WAL_BYTES = 256L << 20;

    private final Path dir;
    private final Settings settings;
    private final Statistics statistics;
    private final WriteOptions syncWrites;
    private final ReadOptions reads;
    private final RocksDB db;
    private final ColumnFamilyHandle defaultColumn;
    private final Map<Column, ColumnFamilyHandle> handles;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final RocksBlockStore blockStore;
    private final RocksLedgerStore ledgerStore;
    private boolean closed;

    private NodeDatabase(Path dir, Settings settings, RocksDB db, List<ColumnFamilyHandle> opened) {
        this.dir = dir;
        this.settings = settings;
        this.statistics = settings.statistics();
        this.db = db;
        this.syncWrites = new WriteOptions().setSync(true);
        this.reads = new ReadOptions();
        this.defaultColumn = opened.get(0);
        this.handles = new EnumMap<>(Column.class);
        for (Column c : Column.values()) {
            handles.put(c, opened.get(c.ordinal() + 1));
        }
        this.blockStore = new RocksBlockStore(this);
        this.ledgerStore = new RocksLedgerStore(this);
    }

    /**
     * Opens the node database in {@code dir}, creating it (and the directory) when the directory is missing or empty.
     * Refuses, with a {@link StoreException} that says why: a path that is not a directory, a non-empty directory that
     * holds no RocksDB, a RocksDB that is not a node database, a damaged one, one held by another node process.
     */
    public static NodeDatabase open(Path dir) {
        Path abs = dir.toAbsolutePath();
        try {
            RocksDB.loadLibrary();
        } catch (RuntimeException | LinkageError e) {
            throw new StoreException("node database " + abs + ": the RocksDB native library (rocksdbjni) cannot be loaded on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + e, e);
        }
        boolean exists = prepare(abs);
        Settings settings = Settings.create(exists);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, settings.columns()));
        for (Column c : Column.values()) {
            descriptors.add(new ColumnFamilyDescriptor(Keys.name(c.cfName), settings.columns()));
        }
        List<ColumnFamilyHandle> opened = new ArrayList<>();
        RocksDB db;
        try {
            db = RocksDB.open(settings.options(), abs.toString(), descriptors, opened);
        } catch (RocksDBException e) {
            settings.close();
            throw openFailure(abs, exists, e);
        }
        NodeDatabase nd = new NodeDatabase(abs, settings, db, opened);
        try {
            nd.checkFormat(exists);
        } catch (RuntimeException e) {
            nd.close();
            throw e;
        }
        return nd;
    }

    /** The RocksDB options of one open, closed with it. */
    private record Settings(DBOptions options, ColumnFamilyOptions columns, BloomFilter bloom, Statistics statistics) {
        static Settings create(boolean exists) {
            Statistics statistics = new Statistics();
            // Recovery tolerates only a torn last write (one never acknowledged: writes are synced); damage before
            // acknowledged writes fails the open, where RocksDB's default (point in time) would silently drop them.
            DBOptions options = new DBOptions().setCreateIfMissing(!exists).setCreateMissingColumnFamilies(!exists)
                    .setParanoidChecks(true).setWalRecoveryMode(WALRecoveryMode.TolerateCorruptedTailRecords)
                    // Rarely written column families (certificates, ledger meta) would otherwise keep old logs alive.
                    .setMaxTotalWalSize(MAX_TOTAL_WAL_BYTES).setStatistics(statistics);
            // Bloom filters: the tree and the block store look up many keys that are not there.
            BloomFilter bloom = new BloomFilter(10, false);
            ColumnFamilyOptions columns = new ColumnFamilyOptions().setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloom));
            return new Settings(options, columns, bloom, statistics);
        }

        void close() {
            options.close();
            columns.close();
            bloom.close();
            statistics.close();
        }
    }

    /** The consensus core's storage in this database (for the consensus thread only, as {@link BlockStore} says). */
    public BlockStore blockStore() {
        return blockStore;
    }

    /**
     * The ledger's storage (sparse Merkle tree nodes, executed height, roots, tx index) in this database: tree access and
     * commits from the ledger's executor thread, reads of committed data from any thread.
     */
    public LedgerStore ledgerStore() {
        return ledgerStore;
    }

    /** The directory this database lives in. */
    public Path directory() {
        return dir;
    }

    /** How many times RocksDB has fsynced its write-ahead log since this open (a metric; the tests check syncs with it). */
    public long walSyncs() {
        return read(() -> statistics.getTickerCount(TickerType.WAL_FILE_SYNCED));
    }

    /** How many writes (batches) RocksDB has taken since this open (a metric; the tests check atomic batches with it). */
    public long writes() {
        return read(() -> statistics.getTickerCount(TickerType.WRITE_WITH_WAL));
    }

    /** Closes the database; pending ledger writes that were not committed are dropped (they were never durable). */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            ledgerStore.release();
            for (ColumnFamilyHandle h : handles.values()) {
                h.close();
            }
            defaultColumn.close();
            try {
                db.closeE();
            } catch (RocksDBException e) {
                throw new StoreException("node database " + dir + ": close failed: " + e.getMessage(), e);
            } finally {
                reads.close();
                syncWrites.close();
                settings.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---- for the stores in this package -------------------------------------------------------------------------

    /** The value of {@code key} in {@code column}, or null. */
    byte[] get(Column column, byte[] key) {
        return read(() -> {
            try {
                return db.get(handles.get(column), reads, key);
            } catch (RocksDBException e) {
                throw failure("read of", column, key, e);
            }
        });
    }

    /** Reads {@code key} in {@code column} through the pending {@code batch} (its writes first, then the database). */
    byte[] get(WriteBatchWithIndex batch, Column column, byte[] key) {
        return read(() -> {
            try {
                return batch.getFromBatchAndDB(db, handles.get(column), reads, key);
            } catch (RocksDBException e) {
                throw failure("read of", column, key, e);
            }
        });
    }

    /** Runs {@code body} over an iterator of {@code column} (closed afterwards). */
    <T> T scan(Column column, Function<RocksIterator, T> body) {
        return read(() -> {
            try (RocksIterator it = db.newIterator(handles.get(column), reads)) {
                T result = body.apply(it);
                try {
                    it.status();
                } catch (RocksDBException e) {
                    throw new StoreException("node database " + dir + ", column family '" + column.cfName + "': scan failed: " + e.getMessage(), e);
                }
                return result;
            }
        });
    }

    ColumnFamilyHandle handle(Column column) {
        return handles.get(column);
    }

    /** Writes {@code batch} as one synchronous write: durable (WAL fsynced) when this returns. */
    void write(WriteBatch batch, String what) {
        read(() -> {
            try {
                db.write(syncWrites, batch);
            } catch (RocksDBException e) {
                throw new StoreException("node database " + dir + ": write of " + what + " failed: " + e.getMessage(), e);
            }
            return null;
        });
    }

    /** Writes the pending {@code batch} as one synchronous write. */
    void write(WriteBatchWithIndex batch, String what) {
        read(() -> {
            try {
                db.write(syncWrites, batch);
            } catch (RocksDBException e) {
                throw new StoreException("node database " + dir + ": write of " + what + " failed: " + e.getMessage(), e);
            }
            return null;
        });
    }

    /** A batch operation that names its column family, so that a failure names it too. */
    void put(AbstractWriteBatch batch, Column column, byte[] key, byte[] value) {
        try {
            batch.put(handles.get(column), key, value);
        } catch (RocksDBException e) {
            throw failure("batched write of", column, key, e);
        }
    }

    void delete(AbstractWriteBatch batch, Column column, byte[] key) {
        try {
            batch.delete(handles.get(column), key);
        } catch (RocksDBException e) {
            throw failure("batched delete of", column, key, e);
        }
    }

    /** Runs {@code body} unless closed; close waits for it. */
    <T> T read(java.util.function.Supplier<T> body) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("node database " + dir + " is closed");
            }
            return body.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    long estimatedKeys(Column column) {
        return read(() -> {
            try {
                return db.getLongProperty(handles.get(column), "rocksdb.estimate-num-keys");
            } catch (RocksDBException e) {
                throw new StoreException("node database " + dir + ", column family '" + column.cfName + "': key estimate failed: " + e.getMessage(), e);
            }
        });
    }

    private StoreException failure(String what, Column column, byte[] key, RocksDBException e) {
        return new StoreException("node database " + dir + ": " + what + " column family '" + column.cfName + "', key "
                + Keys.show(key) + " failed: " + e.getMessage(), e);
    }

    // ---- opening -----------------------------------------------------------------------------------------------

    /** Checks the path and creates the directory; true when it already holds a RocksDB. */
    private static boolean prepare(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new StoreException("node database " + dir + " is not a directory");
        }
        try {
            Files.createDirectories(dir);
            if (Files.exists(dir.resolve("CURRENT"))) {
                return true;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                List<String> names = entries.map(p -> p.getFileName().toString()).sorted().limit(5).toList();
                if (!names.isEmpty()) {
                    throw new StoreException("node database " + dir + " is not empty and holds no node database (no CURRENT file; found "
                            + String.join(", ", names) + "): refusing to create one among other files");
                }
            }
            return false;
        } catch (IOException e) {
            throw new StoreException("node database " + dir + ": cannot prepare the directory: " + e, e);
        }
    }

    private static StoreException openFailure(Path dir, boolean exists, RocksDBException e) {
        String m = String.valueOf(e.getMessage());
        String lower = m.toLowerCase(Locale.ROOT);
        // RocksDB: "While lock file: DIR/LOCK: Resource temporarily unavailable" (another process) or "lock hold by
        // current process" (this one).
        if (m.contains("LOCK") || lower.contains("lock hold") || lower.contains("lock file")) {
            String who = lower.contains("current process") ? "another node process (here: already open in this one)" : "another node process";
            return new StoreException("node database " + dir + " is held by " + who + " (RocksDB lock " + dir.resolve("LOCK")
                    + "): stop that node first; one process per data directory (RocksDB: " + m + ")", e);
        }
        if (exists && lower.contains("column famil")) {
            return new StoreException("node database " + dir + " holds a RocksDB that is not a node database of this version "
                    + "(its column families differ from " + Arrays.stream(Column.values()).map(c -> c.cfName).toList() + "; RocksDB: " + m + ")", e);
        }
        return new StoreException("node database " + dir + " cannot be opened: damaged or not a node database (RocksDB: " + m + ")", e);
    }

    private boolean isEmpty() {
        List<ColumnFamilyHandle> all = new ArrayList<>(handles.values());
        all.add(defaultColumn);
        for (ColumnFamilyHandle h : all) {
            try (RocksIterator it = db.newIterator(h, reads)) {
                it.seekToFirst();
                if (it.isValid()) {
                    return false;
                }
            }
        }
        return true;
    }

    private void checkFormat(boolean existed) {
        byte[] found;
        try {
            found = db.get(defaultColumn, FORMAT_KEY);
            // A database with nothing in it at all: created by a start that died before it wrote the marker.
            if (found == null && (!existed || isEmpty())) {
                db.put(defaultColumn, syncWrites, FORMAT_KEY, Keys.name(FORMAT));
                return;
            }
        } catch (RocksDBException e) {
            throw new StoreException("node database " + dir + ": cannot read its format marker: " + e.getMessage(), e);
        }
        if (found == null || !Arrays.equals(found, Keys.name(FORMAT))) {
            throw new StoreCorruptedException("default", FORMAT_KEY, "expected the format marker '" + FORMAT + "', found "
                    + (found == null ? "none" : Keys.show(found)) + ": not a node database of this version");
        }
    }
}
