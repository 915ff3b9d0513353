package io.backplane.node.store;

import static io.backplane.node.store.Chain.GENESIS;
import static io.backplane.node.store.Chain.certify;
import static io.backplane.node.store.Chain.child;
import static io.backplane.node.store.Chain.extend;
import static io.backplane.node.store.Chain.tc;
import static io.backplane.node.store.Chain.timeout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.types.Block;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the RocksDB store (a restart closes and reopens the database), and what only a disk can get wrong. */
class RocksBlockStoreTest extends BlockStoreContract {
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

    @Override
    BlockStore store() {
        return db.blockStore();
    }

    @Override
    void restart() {
        db.close();
        db = NodeDatabase.open(dir.resolve("db"));
    }

    @Test
    void everyWriteIsSyncedBeforeItReturns() {
        List<Block> chain = extend(GENESIS, 1, 4, "a");
        long syncs = db.walSyncs();
        store().saveBlock(chain.get(0));
        assertThat(db.walSyncs()).as("saveBlock").isEqualTo(++syncs);
        store().saveHighQc(certify(chain.get(0)));
        assertThat(db.walSyncs()).as("saveHighQc").isEqualTo(++syncs);
        store().saveHighTc(tc(2, certify(chain.get(0))));
        assertThat(db.walSyncs()).as("saveHighTc").isEqualTo(++syncs);
        store().saveOwnTimeout(timeout(2, certify(chain.get(0)), new byte[0]));
        assertThat(db.walSyncs()).as("saveOwnTimeout").isEqualTo(++syncs);
        store().saveCommitted(chain.subList(0, 3), 1);
        assertThat(db.walSyncs()).as("saveCommitted").isEqualTo(++syncs);
        store().pruneBelow(3);
        assertThat(db.walSyncs()).as("pruneBelow").isEqualTo(++syncs);
    }

    @Test
    void aCommittedRangeIsOneWriteWithItsTailRemoval() {
        List<Block> chain = extend(GENESIS, 1, 6, "a");
        for (Block b : chain) {
            store().saveBlock(b);
        }
        store().saveBlock(child(chain.get(0), 2, "fork"));
        long syncs = db.walSyncs();
        long writes = db.writes();
        store().saveCommitted(chain.subList(0, 5), 1);
        assertThat(db.walSyncs()).as("one synced batch for five blocks, their index and the tail").isEqualTo(syncs + 1);
        assertThat(db.writes()).as("one batch").isEqualTo(writes + 1);
        assertThat(store().load().uncommitted()).containsExactly(chain.get(5));
    }

    @Test
    void loadReadsTheTipAndTheTailNotEveryCommittedBlock() {
        List<Block> chain = extend(GENESIS, 1, 60, "a");
        store().saveCommitted(chain, 1);
        db.close();
        RawDb.put(dir.resolve("db"), Column.BLOCKS, chain.get(29).id().bytes(), new byte[] {1, 2, 3});
        db = NodeDatabase.open(dir.resolve("db"));
        assertThat(store().load().committedHeight()).isEqualTo(60);
        assertThat(store().committedRange(1, 29)).hasSize(29);
        assertThatThrownBy(() -> store().committedRange(30, 30)).isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("'blocks'").hasMessageContaining(chain.get(29).id().hex());
    }

    @Test
    void pruningWritesNothingWhenNothingIsBelow() {
        store().saveCommitted(extend(GENESIS, 1, 2, "a"), 1);
        long syncs = db.walSyncs();
        store().pruneBelow(1);
        assertThat(db.walSyncs()).isEqualTo(syncs);
        assertThat(store().committedRange(0, 5)).hasSize(2);
    }
}
