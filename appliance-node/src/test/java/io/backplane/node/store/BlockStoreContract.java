package io.backplane.node.store;

import static io.backplane.node.store.Chain.GENESIS;
import static io.backplane.node.store.Chain.assertSameSnapshot;
import static io.backplane.node.store.Chain.certify;
import static io.backplane.node.store.Chain.child;
import static io.backplane.node.store.Chain.extend;
import static io.backplane.node.store.Chain.hex;
import static io.backplane.node.store.Chain.tc;
import static io.backplane.node.store.Chain.timeout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * One behavioural suite for every {@link BlockStore}: the in-memory reference (a copy of the simulation's) and the RocksDB
 * store, through tiny subclasses. {@link #restart()} is a crash and restart for a durable store (close and reopen) and
 * nothing for the in-memory one; every scenario restarts before it checks, so what it checks is what survives.
 */
abstract class BlockStoreContract {
    /** The store under test (a new one after each {@link #restart()}). */
    abstract BlockStore store();

    /** Closes and reopens a durable store; the in-memory reference keeps itself. */
    abstract void restart();

    @Test
    void anEmptyStoreLoadsTheEmptySnapshot() {
        assertSameSnapshot(store().load(), BlockStore.Snapshot.empty());
        restart();
        assertSameSnapshot(store().load(), BlockStore.Snapshot.empty());
        assertThat(store().ownTimeout()).isEmpty();
        assertThat(store().committedRange(0, 100)).isEmpty();
    }

    @Test
    void savedBlocksFormTheTailInSaveOrderAndTheFirstSaveStands() {
        List<Block> chain = extend(GENESIS, 1, 3, "a");
        Block fork = child(chain.get(0), 2, "fork");
        store().saveBlock(chain.get(2));
        store().saveBlock(chain.get(0));
        store().saveBlock(fork);
        store().saveBlock(chain.get(1));
        store().saveBlock(chain.get(0).withSignature(new byte[] {1, 1})); // same id, other signature: ignored
        restart();
        store().saveBlock(chain.get(2)); // again after a restart: still ignored
        BlockStore.Snapshot s = store().load();
        assertThat(s.uncommitted().stream().map(Chain::hex).toList())
                .containsExactly(hex(chain.get(2)), hex(chain.get(0)), hex(fork), hex(chain.get(1)));
        assertThat(s.committedHeight()).isZero();
        assertThat(s.committedTip()).isEmpty();
    }

    @Test
    void theHighQcAndTcKeepTheHighestRound() {
        List<Block> chain = extend(GENESIS, 1, 5, "a");
        store().saveHighQc(certify(chain.get(2)));
        store().saveHighQc(certify(chain.get(1)));
        store().saveHighTc(tc(7, certify(chain.get(2))));
        store().saveHighTc(tc(6, certify(chain.get(4))));
        restart();
        assertThat(hex(store().load().highQc())).contains(hex(certify(chain.get(2))));
        assertThat(hex(store().load().highTc())).contains(hex(tc(7, certify(chain.get(2)))));
        store().saveHighQc(certify(chain.get(4)));
        store().saveHighTc(tc(8, certify(chain.get(4))));
        store().saveHighTc(tc(8, certify(chain.get(1)))); // same round: the first stays
        restart();
        assertThat(hex(store().load().highQc())).contains(hex(certify(chain.get(4))));
        assertThat(hex(store().load().highTc())).contains(hex(tc(8, certify(chain.get(4)))));
    }

    @Test
    void theOwnTimeoutIsReplacedByTheSameOrAHigherRoundOnly() {
        QuorumCert qc = certify(child(GENESIS, 1, "a"));
        TimeoutMsg unsigned = timeout(5, qc, new byte[0]);
        TimeoutMsg signed = timeout(5, qc, new byte[] {4, 4});
        store().saveOwnTimeout(unsigned);
        restart();
        assertThat(hex(store().ownTimeout())).contains(hex(unsigned));
        store().saveOwnTimeout(signed);
        store().saveOwnTimeout(timeout(4, qc, new byte[] {3}));
        restart();
        assertThat(hex(store().ownTimeout())).contains(hex(signed));
        assertThat(hex(store().load().ownTimeout())).contains(hex(signed));
        TimeoutMsg viaTc = new TimeoutMsg(1, 6, qc, tc(5, qc), 1, new byte[] {6});
        store().saveOwnTimeout(viaTc);
        restart();
        assertThat(hex(store().ownTimeout())).contains(hex(viaTc));
    }

    @Test
    void committingMovesBlocksOutOfTheTailWithEveryForkAtOrBelowTheCommittedRound() {
        List<Block> chain = extend(GENESIS, 1, 5, "a"); // rounds 1..5
        Block forkLow = child(chain.get(0), 2, "low");     // round 2, below the commit
        Block forkEqual = child(chain.get(1), 3, "equal"); // round 3, the committed round
        Block forkHigh = child(chain.get(1), 4, "high");   // round 4, above: may still commit
        for (Block b : List.of(chain.get(0), forkLow, chain.get(1), forkEqual, chain.get(2), forkHigh, chain.get(3), chain.get(4))) {
            store().saveBlock(b);
        }
        store().saveCommitted(chain.subList(0, 3), 1);
        restart();
        BlockStore.Snapshot s = store().load();
        assertThat(s.committedHeight()).isEqualTo(3);
        assertThat(hex(s.committedTip())).contains(hex(chain.get(2)));
        assertThat(s.uncommitted().stream().map(Chain::hex).toList()).containsExactly(hex(forkHigh), hex(chain.get(3)), hex(chain.get(4)));
        assertThat(store().committedRange(1, 3).stream().map(Chain::hex).toList())
                .containsExactly(hex(chain.get(0)), hex(chain.get(1)), hex(chain.get(2)));
        assertThat(store().committedHeight(forkLow.id())).isEmpty();
        assertThat(store().committedHeight(chain.get(2).id())).isEqualTo(OptionalLong.of(3));
        store().saveBlock(chain.get(1)); // committed: never back into the tail
        restart();
        assertThat(store().load().uncommitted()).hasSize(3);
    }

    @Test
    void committingBlocksNeverSavedAsUncommittedStoresThem() {
        List<Block> chain = extend(GENESIS, 1, 2, "a");
        store().saveCommitted(chain, 1);
        restart();
        assertThat(store().committedRange(0, 10).stream().map(Chain::hex).toList()).containsExactly(hex(chain.get(0)), hex(chain.get(1)));
        assertThat(store().load().uncommitted()).isEmpty();
    }

    @Test
    void aDifferentBlockAtACommittedHeightIsRefusedAndChangesNothing() {
        List<Block> chain = extend(GENESIS, 1, 3, "a");
        Block other = child(chain.get(0), 2, "other");
        store().saveBlock(chain.get(2));
        store().saveCommitted(chain.subList(0, 2), 1);
        restart();
        BlockStore.Snapshot before = store().load();
        assertThatThrownBy(() -> store().saveCommitted(List.of(other, child(other, 3, "x")), 2))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("height 2 is committed to");
        restart();
        assertSameSnapshot(store().load(), before);
        assertThat(store().committedRange(3, 3)).isEmpty();
    }

    @Test
    void rangesAndHeightsComeFromTheHeightIndex() {
        List<Block> chain = extend(GENESIS, 1, 6, "a");
        store().saveCommitted(chain.subList(0, 2), 1);
        store().saveCommitted(chain.subList(2, 6), 3);
        store().saveCommitted(chain.subList(3, 5), 4); // again: nothing changes
        restart();
        assertThat(store().committedRange(2, 4).stream().map(Block::round).toList()).containsExactly(2L, 3L, 4L);
        assertThat(store().committedRange(5, 99).stream().map(Block::round).toList()).containsExactly(5L, 6L);
        assertThat(store().committedRange(4, 3)).isEmpty();
        assertThat(store().committedRange(7, 9)).isEmpty();
        assertThat(store().committedRange(-5, 1).stream().map(Block::round).toList()).containsExactly(1L);
        for (int i = 0; i < 6; i++) {
            assertThat(store().committedHeight(chain.get(i).id())).isEqualTo(OptionalLong.of(i + 1));
        }
        assertThat(store().committedHeight(child(chain.get(5), 7, "b").id())).isEmpty();
        assertThat(store().load().committedHeight()).isEqualTo(6);
    }

    @Test
    void pruningDropsCommittedBlocksBelowAHeightButNeverTheTip() {
        List<Block> chain = extend(GENESIS, 1, 6, "a");
        store().saveCommitted(chain, 1);
        Block pending = child(chain.get(5), 7, "b");
        store().saveBlock(pending);
        store().pruneBelow(4);
        restart();
        assertThat(store().committedRange(0, 10).stream().map(Block::round).toList()).containsExactly(4L, 5L, 6L);
        assertThat(store().committedHeight(chain.get(2).id())).isEmpty();
        assertThat(store().committedHeight(chain.get(3).id())).isEqualTo(OptionalLong.of(4));
        store().pruneBelow(100);
        restart();
        assertThat(store().committedRange(0, 10).stream().map(Block::round).toList()).containsExactly(6L);
        BlockStore.Snapshot s = store().load();
        assertThat(s.committedHeight()).isEqualTo(6);
        assertThat(hex(s.committedTip())).contains(hex(chain.get(5)));
        assertThat(s.uncommitted().stream().map(Chain::hex).toList()).containsExactly(hex(pending));
    }

    @Test
    void committingAgainBelowPrunedHeightsSkipsThemAndExtendsTheChain() {
        List<Block> chain = extend(GENESIS, 1, 6, "a");
        store().saveCommitted(chain.subList(0, 4), 1);
        store().pruneBelow(3);
        store().saveCommitted(chain, 1); // heights 1 and 2 are pruned: skipped, not stored again
        restart();
        assertThat(store().committedRange(0, 10).stream().map(Block::round).toList()).containsExactly(3L, 4L, 5L, 6L);
        assertThat(store().committedHeight(chain.get(0).id())).isEmpty();
        assertThat(store().load().committedHeight()).isEqualTo(6);
    }

    @Test
    void aRestartLoadsTheSameSnapshot() {
        List<Block> chain = extend(GENESIS, 1, 8, "a");
        for (Block b : chain) {
            store().saveBlock(b);
        }
        store().saveBlock(child(chain.get(4), 6, "fork"));
        store().saveCommitted(chain.subList(0, 4), 1);
        store().saveHighQc(certify(chain.get(6)));
        store().saveHighTc(tc(9, certify(chain.get(6))));
        store().saveOwnTimeout(timeout(9, certify(chain.get(6)), new byte[] {8}));
        BlockStore.Snapshot before = store().load();
        restart();
        assertSameSnapshot(store().load(), before);
        restart();
        assertSameSnapshot(store().load(), before);
        assertThat(before.uncommitted()).hasSize(5);
    }
}
