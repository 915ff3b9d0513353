package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockTreeTest {
    private final List<Block> executed = new ArrayList<>();
    private final List<Long> heights = new ArrayList<>();
    private final Block genesis = Block.genesis(1);
    private final BlockTree tree = new BlockTree(genesis, (b, h) -> {
        executed.add(b);
        heights.add(h);
    });

    static QuorumCert certify(Block b) {
        return new QuorumCert(1, b.round(), b.id(), new byte[] {7}, new byte[] {1});
    }

    static Block child(Block parent, long round, String payload) {
        return new Block(1, round, parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent), payload.getBytes(), 0, 0, new byte[0]);
    }

    @Test
    void commitsTheParentWhenAChildInTheNextRoundIsCertified() {
        Block b1 = child(genesis, 1, "a");
        Block b2 = child(b1, 2, "b");
        Block b4 = child(b2, 4, "c"); // round 3 timed out
        Block b5 = child(b4, 5, "d");
        for (Block b : List.of(b1, b2, b4, b5)) {
            assertThat(tree.insert(b)).isEqualTo(BlockTree.InsertResult.INSERTED);
        }
        assertThat(tree.commitWith(certify(b1))).isEmpty();
        assertThat(tree.commitWith(certify(b2))).containsExactly(b1);
        assertThat(tree.commitWith(certify(b4))).as("b4 is not in the round after b2").isEmpty();
        assertThat(tree.commitWith(certify(b5))).containsExactly(b2, b4);
        assertThat(executed).containsExactly(b1, b2, b4);
        assertThat(heights).containsExactly(1L, 2L, 3L);
        assertThat(tree.commitWith(certify(b5))).as("exactly once").isEmpty();
        // Issue 12: the tree holds only the uncommitted tail; the committed root b4 is the oldest block it serves.
        assertThat(tree.chainFrom(b5.id(), 10)).containsExactly(b5, b4);
        assertThat(tree.contains(b2.id())).as("committed below the root: the block store's").isFalse();
        assertThat(tree.root()).isEqualTo(b4);
        assertThat(tree.committedHeight()).isEqualTo(3);
    }

    @Test
    void aTreeRestartedFromACommittedTipHoldsOnlyItAndTheTailAboveIt() {
        Block b1 = child(genesis, 1, "a");
        Block b2 = child(b1, 2, "b");
        Block b3 = child(b2, 3, "c");
        BlockTree restarted = new BlockTree(b2, 2);
        assertThat(restarted.insert(b1)).as("below the root").isEqualTo(BlockTree.InsertResult.STALE);
        assertThat(restarted.insert(b3)).isEqualTo(BlockTree.InsertResult.INSERTED);
        assertThat(restarted.commitWith(certify(b3))).isEmpty();
        Block b4 = child(b3, 4, "d");
        restarted.insert(b4);
        assertThat(restarted.commitWith(certify(b4))).containsExactly(b3);
        assertThat(restarted.committedHeight()).isEqualTo(3);
        assertThat(restarted.contains(b2.id())).isFalse();
        assertThatThrownBy(() -> new BlockTree(b2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BlockTree(genesis, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsOrphansStaleAndMalformedBlocksAndPrunesForks() {
        Block b1 = child(genesis, 1, "a");
        Block b2 = child(b1, 2, "b");
        Block fork2 = child(b1, 2, "fork");
        Block b3 = child(b2, 3, "c");
        assertThat(tree.insert(b2)).isEqualTo(BlockTree.InsertResult.MISSING_PARENT);
        tree.insert(b1);
        assertThat(tree.insert(b1)).isEqualTo(BlockTree.InsertResult.DUPLICATE);
        tree.insert(b2);
        tree.insert(fork2);
        tree.insert(b3);
        Block sameRound = new Block(1, 1, certify(b1), new byte[0], 0, 0, new byte[0]);
        assertThat(tree.insert(sameRound)).isEqualTo(BlockTree.InsertResult.INVALID);
        tree.commitWith(certify(b3));
        assertThat(tree.contains(fork2.id())).as("pruned below the commit").isFalse();
        assertThat(tree.insert(child(b1, 2, "late"))).isEqualTo(BlockTree.InsertResult.STALE);
    }

    @Test
    void aRestartedTreeSkipsWhatTheExecutorAlreadyApplied() {
        List<Long> again = new ArrayList<>();
        BlockTree restarted = new BlockTree(genesis, new Executor() {
            @Override
            public void execute(Block block, long height) {
                again.add(height);
            }

            @Override
            public long lastExecutedHeight() {
                return 2;
            }
        });
        Block b1 = child(genesis, 1, "a");
        Block b2 = child(b1, 2, "b");
        Block b3 = child(b2, 3, "c");
        Block b4 = child(b3, 4, "d");
        for (Block b : List.of(b1, b2, b3, b4)) {
            restarted.insert(b);
        }
        restarted.commitWith(certify(b4));
        assertThat(again).containsExactly(3L);
        assertThat(restarted.committedHeight()).isEqualTo(3);
    }

    @Test
    void refusesToCommitAChainThatDoesNotExtendTheCommittedOne() {
        Block b1 = child(genesis, 1, "a");
        Block b2 = child(b1, 2, "b");
        Block x3 = child(genesis, 3, "fork"); // a fork from genesis
        Block x4 = child(x3, 4, "fork2");
        Block x5 = child(x4, 5, "fork3");
        for (Block b : List.of(b1, b2, x3, x4, x5)) {
            tree.insert(b);
        }
        tree.commitWith(certify(b2));
        assertThatThrownBy(() -> tree.commitWith(certify(x5))).isInstanceOf(BlockTree.ConflictingCommitException.class);
        assertThat(executed).containsExactly(b1);
    }
}
