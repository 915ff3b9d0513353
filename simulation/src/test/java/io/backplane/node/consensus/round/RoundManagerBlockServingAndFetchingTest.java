package io.backplane.node.consensus.round;

import static io.backplane.node.consensus.round.ConsensusCounter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.round.RoundManagerFixture.Committed;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SyncInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Serving block requests (from the tree, continued below the committed root from the store, exactly as many as asked)
 * and taking fetched blocks (only the leader's, well-formed ones; the oldest missing parent asked for next), with the
 * commits they bring reported block by block at their heights.
 */
class RoundManagerBlockServingAndFetchingTest {
    private final RoundManagerFixture f = new RoundManagerFixture(2);

    /** Rounds 1..5 fetched and inserted: 1..4 committed (the root is round 4, at height 4), 5 pending. */
    private List<Block> fiveBlocksFourCommitted() {
        f.start();
        List<Block> chain = f.chain(5);
        f.syncTo(0, chain);
        assertThat(f.rm.committedHeight()).isEqualTo(4);
        assertThat(f.rm.view().committedBlock()).isEqualTo(chain.get(3));
        assertThat(f.counter(SYNC_BLOCKS_FETCHED)).isEqualTo(5);
        f.sent.clear();
        return chain;
    }

    private List<Block> served(int count, Block from) {
        f.sent.clear();
        f.deliver(1, new BlockRequest(from.id(), count));
        List<BlockResponse> r = f.sentOf(BlockResponse.class);
        assertThat(f.sent).allSatisfy(s -> assertThat(s.to()).isEqualTo(1));
        return r.isEmpty() ? List.of() : r.getFirst().blocks();
    }

    @Test
    void aRequestIsServedFromTheTreeAndContinuedBelowTheRootFromTheStore() {
        List<Block> c = fiveBlocksFourCommitted();
        assertThat(served(4, c.get(4))).containsExactly(c.get(4), c.get(3), c.get(2), c.get(1));
        assertThat(served(3, c.get(4))).containsExactly(c.get(4), c.get(3), c.get(2));
        assertThat(served(2, c.get(4))).containsExactly(c.get(4), c.get(3));
        assertThat(served(0, c.get(4))).as("at least one").containsExactly(c.get(4));
        assertThat(served(64, c.get(4))).containsExactly(c.get(4), c.get(3), c.get(2), c.get(1), c.get(0));
    }

    @Test
    void aRequestForACommittedBlockBelowTheRootIsServedFromTheStore() {
        List<Block> c = fiveBlocksFourCommitted();
        assertThat(served(2, c.get(2))).containsExactly(c.get(2), c.get(1));
        assertThat(served(64, c.get(1))).containsExactly(c.get(1), c.get(0));
        assertThat(served(3, f.block(1, 9, f.genesisQc(), "unknown"))).as("unknown: no answer").isEmpty();
    }

    @Test
    void commitsOfSeveralBlocksAtOnceAreReportedAndHandedOverAtTheirHeights() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        Block b = f.block(3, 3, f.qc(a, 0, 1, 3), "b"); // round 3 after a TC of round 2: b's QC commits nothing
        Block c = f.block(0, 4, f.qc(b, 0, 1, 3), "c");
        f.syncTo(3, List.of(a, b, c));
        assertThat(f.metrics.committed).containsExactly(new Committed(a, 1), new Committed(b, 2));
        assertThat(f.ledger.accepted).containsExactly(new Committed(a, 1), new Committed(b, 2));
        assertThat(f.counter(BLOCKS_COMMITTED)).isEqualTo(2);
        assertThat(f.rm.committedRound()).isEqualTo(3);
        assertThat(f.rm.committedHeight()).isEqualTo(2);
        assertThat(f.rm.view().committedRound()).isEqualTo(3);
        assertThat(f.rm.view().committedHeight()).isEqualTo(2);
        assertThat(f.rm.view().handedOffHeight()).isEqualTo(2);
        assertThat(f.rm.view().uncommittedCount()).isEqualTo(1);
    }

    @Test
    void aFetchedBlockByANonLeaderIsRefusedAndItsParentNotAskedFor() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        Block x = f.block(3, 2, f.qc(a, 0, 1, 3), "x"); // round 2 is led by 2
        f.deliver(0, new Sync(new SyncInfo(f.qc(x, 0, 1, 3), null)));
        f.sent.clear();
        f.deliver(0, new BlockResponse(List.of(x)));
        assertThat(f.counter(REJECTED_BAD_FETCHED_BLOCK)).isEqualTo(1);
        assertThat(f.rm.view().holdsBlock(x.id())).isFalse();
        assertThat(f.requests()).isEmpty();
    }

    @Test
    void aFetchedBlockOlderThanItsParentIsRefused() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(1, new Proposal(a, null));
        Block x = f.block(2, 2, f.qc(a, 0, 1, 3), "x", 400);
        f.deliver(0, new Sync(new SyncInfo(f.qc(x, 0, 1, 3), null)));
        f.deliver(0, new BlockResponse(List.of(x)));
        assertThat(f.counter(REJECTED_BAD_FETCHED_BLOCK)).isEqualTo(1);
        assertThat(f.rm.view().holdsBlock(x.id())).isFalse();
        assertThat(f.counter(SYNC_BLOCKS_FETCHED)).isZero();
    }

    @Test
    void aResponseMissingTheOldestParentAsksTheSamePeerForIt() {
        f.start();
        List<Block> c = f.chain(3);
        QuorumCert top = f.qc(c.get(2), 0, 1, 3);
        f.deliver(3, new Sync(new SyncInfo(top, null)));
        f.sent.clear();
        f.deliver(3, new BlockResponse(List.of(c.get(1), c.get(2))));
        assertThat(f.requests()).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(3);
            assertThat(((BlockRequest) s.message()).id()).isEqualTo(c.get(0).id());
        });
        assertThat(f.counter(SYNC_BLOCKS_FETCHED)).isZero();
    }
}
