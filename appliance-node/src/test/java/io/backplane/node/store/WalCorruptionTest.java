package io.backplane.node.store;

import static io.backplane.node.store.Chain.GENESIS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write-ahead log holds every acknowledged write not yet flushed. Damage in its middle must stop the open (RocksDB's
 * default point-in-time recovery would replay up to the damage and silently drop every acknowledged write after it); a
 * torn last record, the write a power cut interrupted before it was acknowledged, is dropped and the open goes on.
 */
class WalCorruptionTest {
    @TempDir
    Path dir;
    private Path db;
    private Path wal;

    @BeforeEach
    void fortyBlocksInTheLog() throws IOException {
        db = dir.resolve("db");
        try (NodeDatabase nd = NodeDatabase.open(db)) {
            for (Block b : Chain.extend(GENESIS, 1, 40, "a")) {
                nd.blockStore().saveBlock(b);
            }
        }
        try (var files = Files.list(db)) {
            wal = files.filter(f -> f.getFileName().toString().endsWith(".log")).filter(f -> f.toFile().length() > 4000)
                    .findFirst().orElseThrow(() -> new AssertionError("no write-ahead log with the blocks in " + db));
        }
    }

    @Test
    void aDamagedRecordBeforeAcknowledgedWritesFailsTheOpen() throws IOException {
        byte[] bytes = Files.readAllBytes(wal);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(wal, bytes);
        assertThatThrownBy(() -> NodeDatabase.open(db).close()).isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot be opened").hasMessageContaining("damaged").hasMessageContaining("checksum mismatch");
    }

    @Test
    void aTornLastRecordIsDroppedAndTheRestKept() throws IOException {
        byte[] bytes = Files.readAllBytes(wal);
        Files.write(wal, Arrays.copyOf(bytes, bytes.length - 7));
        try (NodeDatabase nd = NodeDatabase.open(db)) {
            List<Block> tail = nd.blockStore().load().uncommitted();
            assertThat(tail).hasSize(39);
            assertThat(tail.get(38).round()).isEqualTo(39);
        }
    }
}
