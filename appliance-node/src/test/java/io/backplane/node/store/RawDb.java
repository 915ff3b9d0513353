package io.backplane.node.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** Test helper: writes raw bytes into a closed node database, as a damaged disk or a bad tool would. */
final class RawDb {
    private RawDb() {
    }

    static void put(Path dir, Column column, byte[] key, byte[] value) {
        edit(dir, column, key, value);
    }

    static void delete(Path dir, Column column, byte[] key) {
        edit(dir, column, key, null);
    }

    static void deleteDefault(Path dir, byte[] key) {
        edit(dir, null, key, null);
    }

    /** {@code column} null: the default column family. */
    private static void edit(Path dir, Column column, byte[] key, byte[] value) {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY));
        for (Column c : Column.values()) {
            descriptors.add(new ColumnFamilyDescriptor(Keys.name(c.cfName)));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions(); RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            ColumnFamilyHandle h = handles.get(column == null ? 0 : column.ordinal() + 1);
            if (value == null) {
                db.delete(h, key);
            } else {
                db.put(h, key, value);
            }
            for (ColumnFamilyHandle x : handles) {
                x.close();
            }
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }
}
