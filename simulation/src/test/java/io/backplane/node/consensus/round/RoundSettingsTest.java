package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.Limits;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Settings and small parts of the round manager: their bounds, defaults, and what they count. */
class RoundSettingsTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));

    @Test
    void anEpochIsOneToMaxScheduleRoundsAndTheHistoryZeroTo1024Blocks() {
        RoundRobinElection rr = new RoundRobinElection();
        assertThatThrownBy(() -> new EpochConfig(0, rr, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EpochConfig(Limits.MAX_SCHEDULE + 1, rr, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EpochConfig(3, rr, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EpochConfig(3, rr, 1025)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new EpochConfig(1, rr, 0).length()).isEqualTo(1);
        assertThat(new EpochConfig(Limits.MAX_SCHEDULE, rr, 1024).historyLength()).isEqualTo(1024);
    }

    @Test
    void theDefaultSettingsAreOneSecondRoundsSixDoublingsOneMebibytePayloadsAnd64BlockFetches() {
        assertThat(ConsensusConfig.defaults()).isEqualTo(new ConsensusConfig(1000, 6, 1 << 20, 64));
    }

    @Test
    void theCommittedLeaderSourceNeedsTheParentAndPrunesItsChainBelowTheRoot() {
        Block genesis = Block.genesis(1);
        LeaderSource.Committed source = LeaderSource.committed(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        assertThat(source.needsParent()).isTrue();
        List<Block> blocks = new ArrayList<>();
        Block parent = genesis;
        for (long r = 1; r <= 300; r++) {
            QuorumCert qc = parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : new QuorumCert(1, parent.round(), parent.id(), new byte[] {7}, new byte[] {1});
            Block b = new Block(1, r, qc, new byte[0], 0, r, source.nextSchedule(r, parent, qc).orElseThrow(), new byte[0]);
            assertThat(source.check(b, parent)).isEqualTo(ScheduleChain.Check.OK);
            source.inserted(b, parent);
            blocks.add(b);
            parent = b;
        }
        assertThat(source.leader(12, blocks.get(10).id())).isPresent();
        source.pruneBelow(blocks.get(250));
        assertThat(source.leader(12, blocks.get(10).id())).isEmpty();
        assertThat(source.leader(301, parent.id())).isPresent();
    }

    @Test
    void aDirectHandOffStartsAtTheExecutorsHeightAndFollowsWhatItExecutes() {
        List<Long> executed = new ArrayList<>();
        LedgerHandoff direct = LedgerHandoff.direct(new Executor() {
            @Override
            public void execute(Block block, long height) {
                executed.add(height);
            }

            @Override
            public long lastExecutedHeight() {
                return 7;
            }
        });
        assertThat(direct.acceptedHeight()).isEqualTo(7);
        assertThat(direct.remainingCapacity()).isEqualTo(Integer.MAX_VALUE);
        direct.accept(Block.genesis(1), 8);
        assertThat(direct.acceptedHeight()).isEqualTo(8);
        assertThat(executed).containsExactly(8L);
    }

    /** Aggregates whose first byte is 1 are valid. */
    static final QuorumCrypto CRYPTO = new QuorumCrypto() {
        @Override
        public boolean verify(int signer, byte[] message, byte[] signature) {
            return signature.length > 0 && signature[0] == 1;
        }

        @Override
        public byte[] aggregate(List<byte[]> signatures) {
            return new byte[] {1};
        }

        @Override
        public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
            return aggregate.length > 0 && aggregate[0] == 1;
        }

        @Override
        public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
            return aggregate.length > 0 && aggregate[0] == 1;
        }
    };

    @Test
    void certificateChecksCountEachRealSignatureCheckAsVerifiedOrRejectedButNotCacheHits() {
        CountingMetrics metrics = new CountingMetrics();
        CertificateChecks checks = new CertificateChecks(new CertificateVerifier(VS, CRYPTO), metrics);
        Block b = new Block(1, 1, QuorumCert.genesis(1, Block.genesis(1).id()), new byte[0], 0, 0, new byte[0]);
        QuorumCert good = new QuorumCert(1, 1, b.id(), new byte[] {7}, new byte[] {1});
        assertThat(checks.qc(good)).isTrue();
        assertThat(metrics.get(ConsensusCounter.CERTS_VERIFIED)).isEqualTo(1);
        assertThat(checks.qc(good)).as("a cache hit").isTrue();
        assertThat(metrics.get(ConsensusCounter.CERTS_VERIFIED)).isEqualTo(1);
        assertThat(checks.qc(new QuorumCert(1, 1, b.id(), new byte[] {7}, new byte[] {2}))).isFalse();
        assertThat(metrics.get(ConsensusCounter.REJECTED_BAD_QC_SIGNATURE)).isEqualTo(1);
        assertThat(checks.qc(new QuorumCert(1, 1, b.id(), new byte[] {3}, new byte[] {1}))).as("no quorum: no signature checked").isFalse();
        assertThat(metrics.get(ConsensusCounter.REJECTED_BAD_QC_SIGNATURE)).isEqualTo(1);
        assertThat(metrics.get(ConsensusCounter.CERTS_VERIFIED)).isEqualTo(1);
    }

    @Test
    void aStoreSnapshotHasATipBlockExactlyWhenSomethingIsCommittedAndSaysWhichWayItIsWrong() {
        BlockStore.Snapshot empty = BlockStore.Snapshot.empty();
        assertThat(empty.committedHeight()).isZero();
        assertThat(empty.committedTip()).isEmpty();
        assertThat(empty.uncommitted()).isEmpty();
        Block tip = Block.genesis(1);
        assertThatThrownBy(() -> new BlockStore.Snapshot(0, java.util.Optional.of(tip), List.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty())).hasMessage("committed height 0 with a tip block");
        assertThatThrownBy(() -> new BlockStore.Snapshot(3, java.util.Optional.empty(), List.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty())).hasMessage("committed height 3 with no tip block");
        assertThatThrownBy(() -> new BlockStore.Snapshot(-1, java.util.Optional.of(tip), List.of(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty())).isInstanceOf(IllegalArgumentException.class);
    }
}
