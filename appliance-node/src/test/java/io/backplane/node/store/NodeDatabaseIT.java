package io.backplane.node.store;

import static io.backplane.node.store.Chain.GENESIS;
import static io.backplane.node.store.Chain.certify;
import static io.backplane.node.store.Chain.child;
import static io.backplane.node.store.Chain.extend;
import static io.backplane.node.store.Chain.timeout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.Block;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** Opening the node database: what it refuses and how it says so, and damaged values that must never pass as data. */
class NodeDatabaseIT {
    @TempDir
    Path dir;

    private Path db() {
        return dir.resolve("db");
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        try (NodeDatabase first = NodeDatabase.open(db())) {
            assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class)
                    .hasMessageContaining("held by another node process").hasMessageContaining(db().toAbsolutePath().toString())
                    .hasMessageContaining("already open in this one");
            first.blockStore().saveBlock(child(GENESIS, 1, "a"));
        }
        try (NodeDatabase again = NodeDatabase.open(db())) {
            assertThat(again.blockStore().load().uncommitted()).hasSize(1);
        }
    }

    @Test
    void aDirectoryHeldByAnotherProcessIsRefused() throws Exception {
        Path signal = dir.resolve("open");
        Process p = NodeDatabaseChild.start(dir.resolve("child.err"), "hold", db().toString(), signal.toString());
        try {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(signal) && p.isAlive() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(signal).as("the child opened the database: see %s", dir.resolve("child.err")).exists();
            assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class)
                    .hasMessageContaining("held by another node process").hasMessageContaining("LOCK");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        NodeDatabase.open(db()).close(); // the lock dies with its process
    }

    @Test
    void aFileIsNotADatabase() throws Exception {
        Files.writeString(db(), "hello");
        assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class).hasMessageContaining("is not a directory");
    }

    @Test
    void aDirectoryOfOtherFilesIsLeftAlone() throws Exception {
        Files.createDirectories(db());
        Files.writeString(db().resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class)
                .hasMessageContaining("holds no node database").hasMessageContaining("notes.txt");
        try (var files = Files.list(db())) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("notes.txt");
        }
    }

    @Test
    void aForeignRocksDbIsRefusedAndNotChanged() throws Exception {
        try (Options o = new Options().setCreateIfMissing(true); RocksDB other = RocksDB.open(o, db().toString())) {
            other.put("k".getBytes(StandardCharsets.US_ASCII), "v".getBytes(StandardCharsets.US_ASCII));
        }
        assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class).hasMessageContaining("not a node database");
        try (Options o = new Options()) {
            assertThat(RocksDB.listColumnFamilies(o, db().toString())).hasSize(1);
        }
    }

    @Test
    void aNodeDatabaseWithoutItsFormatMarkerIsRefused() {
        try (NodeDatabase nd = NodeDatabase.open(db())) {
            nd.blockStore().saveBlock(child(GENESIS, 1, "a"));
        }
        RawDb.deleteDefault(db(), NodeDatabase.FORMAT_KEY);
        assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreCorruptedException.class)
                .hasMessageContaining("'default'").hasMessageContaining("'format'").hasMessageContaining("not a node database");
    }

    @Test
    void anEmptyDatabaseWithoutItsMarkerIsACreationThatDiedAndIsFinished() {
        NodeDatabase.open(db()).close();
        RawDb.deleteDefault(db(), NodeDatabase.FORMAT_KEY);
        NodeDatabase.open(db()).close();
        try (NodeDatabase nd = NodeDatabase.open(db())) {
            assertThat(nd.blockStore().load().committedHeight()).isZero();
        }
    }

    @Test
    void aGarbledCurrentFileIsADamagedDatabase() throws Exception {
        NodeDatabase.open(db()).close();
        Files.writeString(db().resolve("CURRENT"), "garbage");
        assertThatThrownBy(() -> NodeDatabase.open(db())).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot be opened").hasMessageContaining("damaged");
    }

    @Test
    void useAfterCloseIsRefused() {
        NodeDatabase nd = NodeDatabase.open(db());
        nd.close();
        nd.close();
        assertThatThrownBy(() -> nd.blockStore().load()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> nd.ledgerStore().get(new byte[] {1})).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> nd.ledgerStore().put(new byte[] {1}, new byte[] {2})).isInstanceOf(IllegalStateException.class);
    }

    // ---- damaged values ---------------------------------------------------------------------------------------

    @Test
    void anUndecodableTailBlockNamesItsColumnFamilyAndKey() {
        Block b = child(GENESIS, 1, "a");
        save(nd -> nd.blockStore().saveBlock(b));
        RawDb.put(db(), Column.BLOCKS, b.id().bytes(), new byte[] {0, 0, 1});
        expectCorrupt(nd -> nd.blockStore().load(), "'blocks'", b.id().hex(), "cannot decode a Block");
    }

    @Test
    void aBlockUnderAnotherBlocksIdIsCorruption() {
        Block b = child(GENESIS, 1, "a");
        Block other = child(GENESIS, 1, "b");
        save(nd -> nd.blockStore().saveBlock(b));
        RawDb.put(db(), Column.BLOCKS, b.id().bytes(), other.toCanonicalBytes());
        expectCorrupt(nd -> nd.blockStore().load(), "'blocks'", b.id().hex(), "holds block " + other.id().hex());
    }

    @Test
    void aMissingCommittedBlockIsCorruption() {
        List<Block> chain = extend(GENESIS, 1, 3, "a");
        save(nd -> nd.blockStore().saveCommitted(chain, 1));
        RawDb.delete(db(), Column.BLOCKS, chain.get(2).id().bytes());
        expectCorrupt(nd -> nd.blockStore().load(), "'blocks'", chain.get(2).id().hex(), "missing");
    }

    @Test
    void aWrongLengthHeightIndexIsCorruption() {
        List<Block> chain = extend(GENESIS, 1, 3, "a");
        save(nd -> nd.blockStore().saveCommitted(chain, 1));
        RawDb.put(db(), Column.BLOCK_HEIGHTS, chain.get(0).id().bytes(), new byte[] {1, 2, 3});
        expectCorrupt(nd -> nd.blockStore().committedHeight(chain.get(0).id()), "'block_heights'", chain.get(0).id().hex(), "8-byte height");
        RawDb.put(db(), Column.COMMITTED, Keys.height(3), new byte[] {1});
        expectCorrupt(nd -> nd.blockStore().load(), "'committed'", "0x0000000000000003", "32-byte block id");
    }

    @Test
    void damagedCertificatesAndTimeoutsNameTheirKey() {
        Block b = child(GENESIS, 1, "a");
        save(nd -> {
            nd.blockStore().saveHighQc(certify(b));
            nd.blockStore().saveOwnTimeout(timeout(2, certify(b), new byte[] {1}));
        });
        byte[] qc = certify(b).toCanonicalBytes();
        RawDb.put(db(), Column.CONSENSUS_META, RocksBlockStore.HIGH_QC, java.util.Arrays.copyOf(qc, qc.length - 1));
        expectCorrupt(nd -> nd.blockStore().load(), "'consensus_meta'", "'high_qc'", "QuorumCert");
        expectCorrupt(nd -> nd.blockStore().saveHighQc(certify(b)), "'consensus_meta'", "'high_qc'", "QuorumCert");
        RawDb.put(db(), Column.CONSENSUS_META, RocksBlockStore.OWN_TIMEOUT, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        expectCorrupt(nd -> nd.blockStore().ownTimeout(), "'consensus_meta'", "'own_timeout'", "TimeoutMsg");
        RawDb.put(db(), Column.CONSENSUS_META, RocksBlockStore.HIGH_TC, new byte[] {7});
        expectCorrupt(nd -> nd.blockStore().saveHighTc(Chain.tc(3, certify(b))), "'consensus_meta'", "'high_tc'", "TimeoutCert");
    }

    @Test
    void aDamagedTailEntryIsCorruption() {
        Block b = child(GENESIS, 1, "a");
        save(nd -> nd.blockStore().saveBlock(b));
        RawDb.put(db(), Column.TAIL, b.id().bytes(), new byte[] {1, 2});
        expectCorrupt(nd -> nd.blockStore().load(), "'tail'", b.id().hex(), "16 bytes");
    }

    @Test
    void damagedLedgerMetadataNamesItsKey() {
        save(nd -> nd.ledgerStore().commit(1, new byte[32], List.of(new byte[] {4, 4})));
        RawDb.put(db(), Column.LEDGER_META, RocksLedgerStore.EXECUTED_HEIGHT, new byte[] {1, 2, 3, 4});
        expectCorrupt(nd -> nd.ledgerStore().executedHeight(), "'ledger_meta'", "'executed_height'", "8-byte height");
        expectCorrupt(nd -> nd.ledgerStore().commit(2, new byte[32], List.of()), "'ledger_meta'", "'executed_height'", "8-byte height");
        RawDb.put(db(), Column.STATE_ROOTS, Keys.height(1), new byte[31]);
        expectCorrupt(nd -> nd.ledgerStore().stateRootAt(1), "'state_roots'", "0x0000000000000001", "32-byte state root");
        RawDb.put(db(), Column.TX_INDEX, new byte[] {4, 4}, new byte[] {1});
        expectCorrupt(nd -> nd.ledgerStore().txHeight(new byte[] {4, 4}), "'tx_index'", "0x0404", "8-byte height");
    }

    private void save(java.util.function.Consumer<NodeDatabase> body) {
        try (NodeDatabase nd = NodeDatabase.open(db())) {
            body.accept(nd);
        }
    }

    private void expectCorrupt(java.util.function.Consumer<NodeDatabase> body, String... inMessage) {
        try (NodeDatabase nd = NodeDatabase.open(db())) {
            var thrown = assertThatThrownBy(() -> body.accept(nd)).isInstanceOf(StoreCorruptedException.class);
            for (String s : inMessage) {
                thrown.hasMessageContaining(s);
            }
        }
    }
}
