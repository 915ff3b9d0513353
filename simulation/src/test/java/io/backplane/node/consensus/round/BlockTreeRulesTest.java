package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The block tree's insertion rules, its high certificates, what a commit prunes and executes, and chain walks. */
class BlockTreeRulesTest {
    private final Block genesis = Block.genesis(1);

    static QuorumCert certify(Block b) {
        return new QuorumCert(1, b.round(), b.id(), new byte[] {7}, new byte[] {1});
    }

    static Block child(Block parent, long round, long timestampMs, String payload) {
        return new Block(1, round, parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent), payload.getBytes(), 0,
                timestampMs, new byte[0]);
    }

    @Test
    void aBlockMustBeInALaterRoundThanItsParentAndNotOlder() {
        BlockTree tree = new BlockTree(genesis, 0);
        Block b1 = child(genesis, 1, 100, "a");
        assertThat(tree.insert(b1)).isEqualTo(BlockTree.InsertResult.INSERTED);
        assertThat(tree.insert(b1)).isEqualTo(BlockTree.InsertResult.DUPLICATE);
        assertThat(tree.insert(child(b1, 1, 100, "same round"))).isEqualTo(BlockTree.InsertResult.INVALID);
        assertThat(tree.insert(child(b1, 2, 99, "older than its parent"))).isEqualTo(BlockTree.InsertResult.INVALID);
        assertThat(tree.insert(child(b1, 2, 100, "same time"))).isEqualTo(BlockTree.InsertResult.INSERTED);
        assertThat(tree.pendingCount()).isEqualTo(2);
    }

    @Test
    void anOrphanAtOrBelowTheCommittedRoundIsStaleAndAboveItMissesItsParent() {
        Block b1 = child(genesis, 1, 0, "a");
        Block b2 = child(b1, 2, 0, "b");
        Block b3 = child(b2, 3, 0, "c");
        Block b4 = child(b3, 4, 0, "d");
        BlockTree tree = new BlockTree(b2, 2);
        Block fork2 = child(b1, 2, 0, "fork at the root's round");
        assertThat(tree.insert(fork2)).isEqualTo(BlockTree.InsertResult.STALE);
        assertThat(tree.insert(child(fork2, 3, 0, "above"))).isEqualTo(BlockTree.InsertResult.MISSING_PARENT);
        assertThat(tree.insert(b4)).isEqualTo(BlockTree.InsertResult.MISSING_PARENT);
        assertThat(tree.pendingCount()).isZero();
    }

    @Test
    void aCommitDropsForksAtOrBelowTheNewRootAndKeepsTheTailAboveIt() {
        BlockTree tree = new BlockTree(genesis, 0);
        Block b1 = child(genesis, 1, 0, "a");
        Block b2 = child(b1, 2, 0, "b");
        Block fork2 = child(b1, 2, 0, "fork");
        Block fork1 = child(genesis, 1, 0, "fork");
        Block b3 = child(b2, 3, 0, "c");
        for (Block b : List.of(b1, b2, fork2, fork1, b3)) {
            assertThat(tree.insert(b)).isEqualTo(BlockTree.InsertResult.INSERTED);
        }
        assertThat(tree.pendingCount()).isEqualTo(5);
        assertThat(tree.commitWith(certify(b3))).containsExactly(b1, b2);
        assertThat(tree.committedRound()).isEqualTo(2);
        assertThat(tree.contains(fork2.id())).as("a fork at the new root's round").isFalse();
        assertThat(tree.contains(fork1.id())).as("a fork below it").isFalse();
        assertThat(tree.contains(b3.id())).isTrue();
        assertThat(tree.pendingCount()).isEqualTo(1);
    }

    @Test
    void aCertifiedChildOfTheRootCommitsNothingMore() {
        BlockTree tree = new BlockTree(genesis, 0);
        Block b1 = child(genesis, 1, 0, "a");
        Block b2 = child(b1, 2, 0, "b");
        Block b3 = child(b2, 3, 0, "c");
        tree.insert(b1);
        tree.insert(b2);
        tree.insert(b3);
        assertThat(tree.commitWith(certify(b2))).containsExactly(b1);
        assertThat(tree.commitWith(certify(b2))).isEmpty();
        assertThat(tree.committedRound()).isEqualTo(1);
        assertThat(tree.commitWith(certify(b3))).containsExactly(b2);
    }

    @Test
    void aRestartedExecutorGetsOnlyTheHeightsAboveWhatItAlreadyApplied() {
        List<Long> executed = new ArrayList<>();
        BlockTree tree = new BlockTree(genesis, new Executor() {
            @Override
            public void execute(Block block, long height) {
                executed.add(height);
            }

            @Override
            public long lastExecutedHeight() {
                return 2;
            }
        });
        Block parent = genesis;
        List<Block> blocks = new ArrayList<>();
        for (long r = 1; r <= 5; r++) {
            Block b = child(parent, r, 0, "x" + r);
            tree.insert(b);
            blocks.add(b);
            parent = b;
        }
        assertThat(tree.commitWith(certify(blocks.get(4)))).hasSize(4);
        assertThat(executed).containsExactly(3L, 4L);
        assertThat(tree.committedHeight()).isEqualTo(4);
    }

    @Test
    void theHighCertificatesMoveOnlyToStrictlyHigherRounds() {
        BlockTree tree = new BlockTree(genesis, 0);
        Block b1 = child(genesis, 1, 0, "a");
        Block other1 = child(genesis, 1, 0, "b");
        tree.insert(b1);
        tree.insert(other1);
        QuorumCert qc = certify(b1);
        tree.updateHighQc(qc);
        assertThat(tree.highQc()).isSameAs(qc);
        tree.updateHighQc(certify(other1));
        assertThat(tree.highQc()).as("same round").isSameAs(qc);

        TimeoutCert tc = new TimeoutCert(1, 3, qc, List.of(new TimeoutCert.Entry(0, 1)), new byte[] {1});
        tree.updateHighTc(tc);
        assertThat(tree.highTc()).isSameAs(tc);
        tree.updateHighTc(new TimeoutCert(1, 3, qc, List.of(new TimeoutCert.Entry(1, 1)), new byte[] {2}));
        assertThat(tree.highTc()).as("same round").isSameAs(tc);
        TimeoutCert higher = new TimeoutCert(1, 4, qc, List.of(new TimeoutCert.Entry(1, 1)), new byte[] {2});
        tree.updateHighTc(higher);
        assertThat(tree.highTc()).isSameAs(higher);
        tree.updateHighTc(tc);
        assertThat(tree.highTc()).isSameAs(higher);
    }

    @Test
    void aChainWalkReturnsAtMostCountBlocksNewestFirst() {
        BlockTree tree = new BlockTree(genesis, 0);
        Block parent = genesis;
        List<Block> blocks = new ArrayList<>();
        for (long r = 1; r <= 4; r++) {
            Block b = child(parent, r, 0, "x" + r);
            tree.insert(b);
            blocks.add(b);
            parent = b;
        }
        assertThat(tree.chainFrom(blocks.get(3).id(), 2)).containsExactly(blocks.get(3), blocks.get(2));
        assertThat(tree.chainFrom(blocks.get(3).id(), 1)).containsExactly(blocks.get(3));
        assertThat(tree.chainFrom(blocks.get(3).id(), 0)).isEmpty();
        assertThat(tree.chainFrom(blocks.get(1).id(), 10)).as("never genesis").containsExactly(blocks.get(1), blocks.get(0));
    }
}
