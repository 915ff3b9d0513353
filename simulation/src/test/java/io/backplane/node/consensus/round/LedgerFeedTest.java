package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-off of committed blocks to the ledger: in order, once, from memory while it can, else from the store. */
class LedgerFeedTest {
    private final List<Long> accepted = new ArrayList<>();
    private int capacity = Integer.MAX_VALUE;
    private final LedgerHandoff ledger = new LedgerHandoff() {
        @Override
        public long acceptedHeight() {
            return 0;
        }

        @Override
        public int remainingCapacity() {
            return capacity;
        }

        @Override
        public void accept(Block block, long height) {
            accepted.add(height);
        }
    };
    private final List<long[]> reads = new ArrayList<>();
    private final BlockStore store = new ForwardingBlockStore(new InMemoryBlockStore()) {
        @Override
        public List<Block> committedRange(long fromHeight, long toHeight) {
            reads.add(new long[] {fromHeight, toHeight});
            return super.committedRange(fromHeight, toHeight);
        }
    };

    static List<Block> chain(int n) {
        List<Block> out = new ArrayList<>();
        Block parent = Block.genesis(1);
        for (long r = 1; r <= n; r++) {
            QuorumCert qc = parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : new QuorumCert(1, parent.round(), parent.id(), new byte[] {7}, new byte[] {1});
            Block b = new Block(1, r, qc, new byte[0], 0, r, new byte[0]);
            out.add(b);
            parent = b;
        }
        return out;
    }

    private static List<Long> heights(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long h = from; h <= to; h++) {
            out.add(h);
        }
        return out;
    }

    @Test
    void blocksCommittedWhileTheLedgerHasRoomGoStraightFromMemory() {
        List<Block> blocks = chain(5);
        LedgerFeed feed = new LedgerFeed(ledger, store, 0);
        store.saveCommitted(blocks.subList(0, 2), 1);
        feed.committed(blocks.subList(0, 2), 1);
        store.saveCommitted(blocks.subList(2, 5), 3);
        feed.committed(blocks.subList(2, 5), 3);
        assertThat(accepted).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(reads).as("nothing read back").isEmpty();
        assertThat(feed.full()).isFalse();
        assertThat(feed.handedHeight()).isEqualTo(5);
    }

    @Test
    void atMost256WaitingBlocksAreKeptInMemoryAndTheRestIsReadBackFromTheStoreInOrder() {
        List<Block> blocks = chain(300);
        LedgerFeed feed = new LedgerFeed(ledger, store, 0);
        capacity = 0;
        store.saveCommitted(blocks, 1);
        feed.committed(blocks, 1);
        assertThat(accepted).isEmpty();
        assertThat(feed.full()).isTrue();
        capacity = Integer.MAX_VALUE;
        feed.flush();
        assertThat(accepted).isEqualTo(heights(1, 300));
        assertThat(reads).hasSize(1);
        assertThat(reads.get(0)).containsExactly(LedgerFeed.MAX_BUFFERED + 1, 300);
        assertThat(feed.full()).isFalse();
    }

    @Test
    void aCommittedBlockMissingFromTheStoreIsReportedByItsHeight() {
        List<Block> blocks = chain(3);
        LedgerFeed feed = new LedgerFeed(ledger, store, 3);
        assertThatThrownBy(feed::flush).isInstanceOf(IllegalStateException.class).hasMessageContaining("no committed block at height 1 ");
    }
}
