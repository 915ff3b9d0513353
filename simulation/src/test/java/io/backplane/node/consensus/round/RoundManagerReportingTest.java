package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SyncInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * What a round manager reports outward: the metrics sink sees every counter, round entry and commit the node's own
 * totals see; the view and the accessors answer from the node's state; the saved high QC is the one it holds.
 */
class RoundManagerReportingTest {
    private final RoundManagerFixture f = new RoundManagerFixture(2);

    @Test
    void theMetricsSinkSeesEveryCounterRoundAndCommitTheNodeCounts() {
        f.start();
        List<Block> chain = f.chain(3);
        f.syncTo(0, chain);
        f.enterByTc(6);
        f.deliver(7, new Proposal(chain.get(0), null));
        Map<String, Long> sunk = new HashMap<>();
        f.metrics.counts.forEach((c, n) -> sunk.put(c.key(), n));
        assertThat(sunk).isEqualTo(f.rm.counters()).isEqualTo(f.rm.view().counters()).containsEntry("rejected.unknown-sender", 1L);
        assertThat(f.rm.counter("blocks.committed")).isEqualTo(2);
        assertThat(f.metrics.roundsByQc).containsExactly(1L, 2L, 3L, 4L);
        assertThat(f.metrics.roundsByTc).containsExactly(6L);
        assertThat(f.metrics.committed).extracting(RoundManagerFixture.Committed::height).containsExactly(1L, 2L);
    }

    @Test
    void theViewAnswersFromTheNodesState() {
        f.start();
        List<Block> chain = f.chain(3);
        f.syncTo(0, chain);
        ConsensusView v = f.rm.view();
        assertThat(v.self()).isEqualTo(2).isEqualTo(f.rm.self());
        assertThat(v.epoch()).isEqualTo(1);
        assertThat(v.round()).isEqualTo(4).isEqualTo(f.rm.round());
        assertThat(v.highQc()).isEqualTo(f.rm.highQc()).isEqualTo(f.qc(chain.get(2), 0, 1, 3));
        assertThat(v.committedBlock()).isEqualTo(chain.get(1));
        assertThat(v.committedRound()).isEqualTo(2).isEqualTo(f.rm.committedRound());
        assertThat(v.committedHeight()).isEqualTo(2).isEqualTo(f.rm.committedHeight());
        assertThat(v.uncommittedCount()).isEqualTo(1);
        assertThat(v.leaderFor(7, chain.get(2).id())).isEqualTo(OptionalInt.of(3));
        assertThat(v.expectedSchedule(4, chain.get(2), f.qc(chain.get(2), 0, 1, 3))).as("fixed leaders: blocks carry no schedule")
                .isEqualTo(Optional.of(List.of()));
        assertThat(v.counter(ConsensusCounter.SYNC_BLOCKS_FETCHED)).isEqualTo(3);
    }

    @Test
    void theSavedHighQcIsTheOneTheNodeHolds() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(1, new Proposal(a, null));
        QuorumCert first = f.qc(a, 0, 1, 3);
        f.deliver(0, new Sync(new SyncInfo(first, null)));
        assertThat(f.store.load().highQc()).contains(first);
        QuorumCert sameRoundOtherSigners = f.qc(a, 0, 1, 2);
        f.deliver(1, new Sync(new SyncInfo(sameRoundOtherSigners, null)));
        assertThat(f.store.load().highQc()).contains(f.rm.highQc());
    }
}
