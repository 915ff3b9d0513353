package io.backplane.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.ledger.InMemoryNodeStore;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger's store on real RocksDB: the tree over it, what a commit makes durable, and what stays pending. */
class RocksLedgerStoreTest {
    private static final long SEED = 11;

    @TempDir
    Path dir;
    private NodeDatabase db;

    @BeforeEach
    void open() {
        db = NodeDatabase.open(dir.resolve("db"));
    }

    @AfterEach
    void close() {
        db.close();
    }

    private LedgerStore store() {
        return db.ledgerStore();
    }

    private void restart() {
        db.close();
        db = NodeDatabase.open(dir.resolve("db"));
    }

    @Test
    void theTreeOverRocksDbHasTheRootsOfTheTreeInMemory() {
        SparseMerkleTree reference = new SparseMerkleTree(new InMemoryNodeStore());
        SparseMerkleTree tree = new SparseMerkleTree(store());
        for (int h = 1; h <= 30; h++) {
            Map<byte[], byte[]> changes = LedgerWorkload.changes(SEED, h);
            byte[] expected = reference.apply(changes);
            assertThat(tree.apply(changes)).as("root at height %d before its commit", h).isEqualTo(expected);
            store().commit(h, expected, LedgerWorkload.txs(h));
            if (h % 10 == 0) {
                restart();
                tree = new SparseMerkleTree(store());
                assertThat(tree.root()).as("root at height %d after a restart", h).isEqualTo(expected);
            }
            for (int k = 0; k < LedgerWorkload.KEYS; k += 17) {
                byte[] key = LedgerWorkload.key(k);
                assertThat(tree.get(key).value()).as("key %d at height %d", k, h).isEqualTo(reference.get(key).value());
            }
        }
    }

    @Test
    void writesBeforeACommitAreVisibleButNotDurable() {
        List<byte[]> roots = LedgerWorkload.expectedRoots(SEED, 3);
        SparseMerkleTree tree = new SparseMerkleTree(store());
        tree.apply(LedgerWorkload.changes(SEED, 1));
        store().commit(1, roots.get(1), LedgerWorkload.txs(1));
        long syncs = db.walSyncs();
        assertThat(tree.apply(LedgerWorkload.changes(SEED, 2))).isEqualTo(roots.get(2));
        assertThat(tree.apply(LedgerWorkload.changes(SEED, 3))).isEqualTo(roots.get(3));
        assertThat(new SparseMerkleTree(store()).root()).as("a new tree reads the pending writes").isEqualTo(roots.get(3));
        assertThat(db.walSyncs()).as("tree writes write nothing").isEqualTo(syncs);
        restart(); // closed without a commit: the crash case
        assertThat(store().executedHeight()).isEqualTo(1);
        assertThat(new SparseMerkleTree(store()).root()).isEqualTo(roots.get(1));
        assertThat(store().stateRootAt(2)).isEmpty();
        assertThat(store().txHeight(LedgerWorkload.tx(2, 0))).isEmpty();
    }

    @Test
    void aCommitIsOneSyncedWriteOfNodesHeightRootAndTransactions() {
        List<byte[]> roots = LedgerWorkload.expectedRoots(SEED, 1);
        new SparseMerkleTree(store()).apply(LedgerWorkload.changes(SEED, 1));
        long syncs = db.walSyncs();
        long writes = db.writes();
        store().commit(1, roots.get(1), LedgerWorkload.txs(1));
        assertThat(db.walSyncs()).as("synced").isEqualTo(syncs + 1);
        assertThat(db.writes()).as("one batch").isEqualTo(writes + 1);
        restart();
        assertThat(store().executedHeight()).isEqualTo(1);
        assertThat(store().stateRootAt(1)).hasValueSatisfying(r -> assertThat(r).isEqualTo(roots.get(1)));
        assertThat(new SparseMerkleTree(store()).root()).isEqualTo(roots.get(1));
        assertThat(store().txHeight(LedgerWorkload.tx(1, 1))).isEqualTo(OptionalLong.of(1));
    }

    @Test
    void rootsAndTheTransactionIndexAreKeptForEveryHeight() {
        SparseMerkleTree tree = new SparseMerkleTree(store());
        List<byte[]> roots = new ArrayList<>();
        for (int h = 1; h <= 25; h++) {
            roots.add(tree.apply(LedgerWorkload.changes(SEED, h)));
            store().commit(h, roots.get(h - 1), LedgerWorkload.txs(h));
        }
        restart();
        for (int h = 1; h <= 25; h++) {
            assertThat(store().stateRootAt(h).orElseThrow()).as("root at %d", h).isEqualTo(roots.get(h - 1));
            assertThat(store().txHeight(LedgerWorkload.tx(h, 0))).isEqualTo(OptionalLong.of(h));
        }
        assertThat(store().stateRootAt(26)).isEmpty();
        assertThat(store().stateRootAt(-1)).isEmpty();
        assertThat(store().txHeight(LedgerWorkload.tx(26, 0))).isEmpty();
        assertThat(store().size()).as("an estimate, but not nothing").isPositive();
    }

    @Test
    void aRefusedCommitChangesNothingAndKeepsThePendingWrites() {
        List<byte[]> roots = LedgerWorkload.expectedRoots(SEED, 3);
        SparseMerkleTree tree = new SparseMerkleTree(store());
        tree.apply(LedgerWorkload.changes(SEED, 1));
        tree.apply(LedgerWorkload.changes(SEED, 2));
        store().commit(2, roots.get(2), LedgerWorkload.txs(2));
        tree.apply(LedgerWorkload.changes(SEED, 3));
        long syncs = db.walSyncs();
        assertThatThrownBy(() -> store().commit(1, roots.get(3), List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("below the executed height 2");
        assertThatThrownBy(() -> store().commit(3, new byte[5], List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
        List<byte[]> withNull = new ArrayList<>();
        withNull.add(LedgerWorkload.tx(3, 0));
        withNull.add(null);
        assertThatThrownBy(() -> store().commit(3, roots.get(3), withNull)).isInstanceOf(NullPointerException.class);
        assertThat(db.walSyncs()).as("nothing written").isEqualTo(syncs);
        assertThat(store().executedHeight()).isEqualTo(2);
        assertThat(new SparseMerkleTree(store()).root()).as("pending writes kept").isEqualTo(roots.get(3));
        store().commit(3, roots.get(3), LedgerWorkload.txs(3));
        restart();
        assertThat(store().executedHeight()).isEqualTo(3);
        assertThat(new SparseMerkleTree(store()).root()).isEqualTo(roots.get(3));
        assertThat(store().txHeight(LedgerWorkload.tx(3, 0))).isEqualTo(OptionalLong.of(3));
    }
}
