package io.backplane.node.consensus.round;

import static io.backplane.node.consensus.round.ConsensusCounter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.round.RoundManagerFixture.Crash;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.Timeout;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SyncInfo;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * A round manager rebuilt over what its {@link BlockStore} and guard kept: the uncommitted tail in any order, the high QC
 * only when its block is held, the round after its highest certificate entered by the right kind of certificate, what it
 * must do on entering that round done at {@link RoundManager#start()}, and its own timeout resent rather than re-signed.
 */
class RoundManagerRestartTest {
    private final RoundManagerFixture f = new RoundManagerFixture(2);

    /** The node's store, with what a load returns replaced (another store's order, or a lost certificate). */
    private static final class EditedStore implements BlockStore {
        private final BlockStore kept;
        private final java.util.function.UnaryOperator<Snapshot> edit;

        EditedStore(BlockStore kept, java.util.function.UnaryOperator<Snapshot> edit) {
            this.kept = kept;
            this.edit = edit;
        }

        @Override public void saveBlock(Block block) { kept.saveBlock(block); }
        @Override public void saveHighQc(QuorumCert qc) { kept.saveHighQc(qc); }
        @Override public void saveHighTc(TimeoutCert tc) { kept.saveHighTc(tc); }
        @Override public void saveOwnTimeout(TimeoutMsg timeout) { kept.saveOwnTimeout(timeout); }
        @Override public void saveCommitted(List<Block> blocks, long firstHeight) { kept.saveCommitted(blocks, firstHeight); }
        @Override public void pruneBelow(long height) { kept.pruneBelow(height); }
        @Override public List<Block> committedRange(long fromHeight, long toHeight) { return kept.committedRange(fromHeight, toHeight); }
        @Override public OptionalLong committedHeight(BlockId id) { return kept.committedHeight(id); }
        @Override public Optional<TimeoutMsg> ownTimeout() { return kept.ownTimeout(); }
        @Override public Snapshot load() { return edit.apply(kept.load()); }
    }

    private static BlockStore.Snapshot with(BlockStore.Snapshot s, List<Block> uncommitted, Optional<QuorumCert> highQc) {
        return new BlockStore.Snapshot(s.committedHeight(), s.committedTip(), uncommitted, highQc, s.highTc(), s.ownTimeout());
    }

    /** Round 1's block a voted for, round 2 entered on a's QC and our own block b proposed on it: nothing committed. */
    private List<Block> twoUncommittedBlocks() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(1, new Proposal(a, null));
        f.deliver(0, new Sync(new SyncInfo(f.qc(a, 0, 1, 3), null)));
        Block b = f.sentOf(Proposal.class).getLast().block();
        assertThat(b.round()).isEqualTo(2);
        assertThat(f.rm.committedHeight()).isZero();
        return List.of(a, b);
    }

    private void restartOver(java.util.function.UnaryOperator<BlockStore.Snapshot> edit) {
        f.store = new EditedStore(f.store, edit);
        f.sent.clear();
        f.timers.clear();
        f.start();
    }

    @Test
    void theUncommittedTailIsRestoredWhateverOrderTheStoreGivesAndItsQcsRebuildTheHighQc() {
        List<Block> ab = twoUncommittedBlocks();
        restartOver(s -> with(s, List.of(ab.get(1), ab.get(0)), Optional.empty()));
        assertThat(f.rm.view().holdsBlock(ab.get(0).id())).isTrue();
        assertThat(f.rm.view().holdsBlock(ab.get(1).id())).isTrue();
        assertThat(f.rm.view().uncommittedCount()).isEqualTo(2);
        assertThat(f.rm.highQc().blockId()).as("b carries a's QC").isEqualTo(ab.get(0).id());
        assertThat(f.rm.round()).isEqualTo(2);
    }

    @Test
    void aSavedHighQcForABlockTheStoreLacksIsIgnored() {
        List<Block> ab = twoUncommittedBlocks();
        Block lost = f.block(1, 5, f.genesisQc(), "lost");
        restartOver(s -> with(s, s.uncommitted(), Optional.of(f.qc(lost, 0, 1, 3))));
        assertThat(f.rm.highQc().blockId()).isEqualTo(ab.get(0).id());
        assertThat(f.rm.round()).isEqualTo(2);
    }

    @Test
    void aSavedHighQcAboveEveryQcTheTailCarriesIsRestoredAndCommits() {
        List<Block> ab = twoUncommittedBlocks();
        QuorumCert qcB = f.qc(ab.get(1), 0, 1, 3);
        restartOver(s -> with(s, s.uncommitted(), Optional.of(qcB)));
        assertThat(f.rm.highQc()).isEqualTo(qcB);
        assertThat(f.rm.round()).isEqualTo(3);
        assertThat(f.rm.committedRound()).isEqualTo(1);
    }

    @Test
    void aRestartWhoseQcReachesAsFarAsItsTcEntersTheNextRoundByTheQc() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(1, new Proposal(a, null));
        f.refused.add(SigningKind.PROPOSAL); // round 2 is ours: no proposal in this life
        f.enterByTc(2);
        f.deliver(0, new Sync(new SyncInfo(f.qc(a, 0, 1, 3), null)));
        assertThat(f.rm.view().highTc().round()).isEqualTo(1);
        assertThat(f.rm.highQc().round()).isEqualTo(1);
        f.metrics.roundsByQc.clear();
        f.metrics.roundsByTc.clear();
        restartOver(s -> s);
        assertThat(f.rm.round()).isEqualTo(2);
        assertThat(f.counter(ROUNDS_BY_QC)).isEqualTo(1);
        assertThat(f.counter(ROUNDS_BY_TC)).isZero();
        assertThat(f.metrics.roundsByQc).containsExactly(2L);
        assertThat(f.metrics.roundsByTc).isEmpty();
    }

    @Test
    void aRestartWhoseTcIsAheadOfItsQcEntersTheRoundAfterTheTcByTheTc() {
        f.start();
        f.enterByTc(3);
        restartOver(s -> s);
        assertThat(f.rm.round()).isEqualTo(3);
        assertThat(f.counter(ROUNDS_BY_TC)).isEqualTo(1);
        assertThat(f.counter(ROUNDS_BY_QC)).isZero();
    }

    @Test
    void aLeaderRestartedIntoItsRoundProposesAndVotesForItDuringStart() {
        f.refused.add(SigningKind.PROPOSAL);
        f.start();
        f.enterByTc(2);
        assertThat(f.counter(PROPOSE_REFUSED)).isEqualTo(1);
        f.refused.clear();
        restartOver(s -> s);
        assertThat(f.counter(PROPOSALS_MADE)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).as("its own proposal, handled before start returns").isEqualTo(1);
    }

    @Test
    void committedBlocksTheFullLedgerDidNotTakeAreHandedOverAtTheRestart() {
        f.ledger.capacity = 0;
        f.start();
        List<Block> chain = f.chain(3);
        f.syncTo(0, chain);
        assertThat(f.rm.committedHeight()).isEqualTo(2);
        assertThat(f.ledger.accepted).isEmpty();
        f.ledger.capacity = 10;
        restartOver(s -> s);
        assertThat(f.ledger.accepted).extracting(RoundManagerFixture.Committed::height).containsExactly(1L, 2L);
        assertThat(f.rm.view().handedOffHeight()).isEqualTo(2);
    }

    @Test
    void theFirstEventStartsANodeNobodyStarted() {
        f.build();
        assertThat(f.rm.view().handedOffHeight()).as("before the start: what the ledger says it took").isZero();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(1, new Proposal(a, null));
        assertThat(f.rm.round()).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isEqualTo(1);
        assertThat(f.timers).isNotEmpty();
        f.rm.start(); // a second start does nothing
        assertThat(f.timers).hasSize(1);
    }

    @Test
    void aNodeRestartedInARoundItTimedOutOfResendsItsStoredTimeoutWithoutSigningAgain() {
        f.start();
        f.fireTimer();
        byte[] signature = f.sentOf(Timeout.class).getFirst().timeout().signature();
        f.signRequests.clear();
        restartOver(s -> s);
        f.fireTimer();
        assertThat(f.signRequests).as("nothing asked of the guard").isEmpty();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isZero();
        assertThat(f.counter(TIMEOUTS_RESIGNED)).isZero();
        assertThat(f.sentOf(Timeout.class)).singleElement().satisfies(t -> assertThat(t.timeout().signature()).isEqualTo(signature));
    }

    @Test
    void aNodeThatCrashedBetweenSigningAndSavingItsTimeoutSignsTheSameOneAgain() {
        f.start();
        f.crashAfterNextTimeout = true;
        Assertions.assertThatThrownBy(f::fireTimer).isInstanceOf(Crash.class);
        restartOver(s -> s);
        f.fireTimer();
        assertThat(f.counter(TIMEOUTS_RESIGNED)).isEqualTo(1);
        assertThat(f.counter(TIMEOUT_REFUSED)).isZero();
        assertThat(f.sentOf(Timeout.class)).singleElement().satisfies(t -> assertThat(t.timeout().round()).isEqualTo(1));
    }
}
