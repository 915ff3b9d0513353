package io.backplane.node.consensus.round;

import static io.backplane.node.consensus.round.ConsensusCounter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.round.RoundManagerFixture.Sent;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.Timeout;
import io.backplane.node.consensus.types.ConsensusMessage.VoteMsg;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.SyncInfo;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Vote;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * Hostile and edge-of-the-rules input to one round manager: each message is refused (or accepted) exactly at the bound
 * the protocol sets, the refusal is counted under its own {@link ConsensusCounter}, and nothing of a refused message is
 * stored, voted for, fetched or followed.
 */
class RoundManagerHostileInputTest {
    private final RoundManagerFixture f = new RoundManagerFixture(2);

    private RoundManagerFixture started() {
        f.start();
        return f;
    }

    private Block round1(String payload) {
        return f.block(1, 1, f.genesisQc(), payload);
    }

    // ---- senders and proposals --------------------------------------------------------------------------------------

    @Test
    void aMessageFromOutsideTheValidatorSetIsRefusedUnread() {
        started().deliver(7, new Proposal(round1("ok"), null));
        assertThat(f.counter(REJECTED_UNKNOWN_SENDER)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
        assertThat(f.rm.view().holdsBlock(round1("ok").id())).isFalse();
    }

    @Test
    void aProposalOfAnotherEpochOrTheGenesisBlockIsRefused() {
        started();
        Block other = new Block(2, 1, QuorumCert.genesis(2, Block.genesis(2).id()), "e2".getBytes(), 1, 500, new byte[0]);
        other = other.withSignature(f.keys[1].sign(SigningMessages.proposal(2, 1, other.id())));
        f.deliver(1, new Proposal(other, null));
        f.deliver(1, new Proposal(Block.genesis(1), null));
        assertThat(f.counter(REJECTED_WRONG_EPOCH)).isEqualTo(2);
        assertThat(f.counter(VOTES_CAST)).isZero();
    }

    @Test
    void aProposalExactlyMaxRoundsAheadIsCheckedAndOneFurtherIsDroppedUnchecked() {
        started();
        long edge = 1 + RoundManager.MAX_ROUNDS_AHEAD; // led by 1 (round robin)
        f.deliver(1, new Proposal(f.block(1, edge, f.genesisQc(), "edge"), null));
        assertThat(f.counter(REJECTED_PROPOSAL_TOO_FAR_AHEAD)).isZero();
        assertThat(f.counter(REJECTED_UNJUSTIFIED_ROUND)).as("checked: no QC or TC justifies it").isEqualTo(1);
        f.deliver(2, new Proposal(f.block(2, edge + 1, f.genesisQc(), "beyond"), null));
        assertThat(f.counter(REJECTED_PROPOSAL_TOO_FAR_AHEAD)).isEqualTo(1);
        assertThat(f.counter(REJECTED_UNJUSTIFIED_ROUND)).isEqualTo(1);
    }

    @Test
    void aPayloadOfExactlyTheMaximumSizeIsVotedFor() {
        started().deliver(1, new Proposal(round1("x".repeat(16)), null));
        assertThat(f.counter(REJECTED_OVERSIZED_PAYLOAD)).isZero();
        assertThat(f.counter(VOTES_CAST)).isEqualTo(1);
    }

    @Test
    void aProposalFromANonLeaderIsRefusedEvenWhenItsParentIsUnknown() {
        started();
        Block a = round1("a");
        Block byNonLeader = f.block(3, 2, f.qc(a, 0, 1, 3), "not mine"); // round 2 is led by 2
        f.deliver(3, new Proposal(byNonLeader, null));
        assertThat(f.counter(REJECTED_NOT_LEADER)).isEqualTo(1);
        assertThat(f.requests()).as("nothing fetched for a refused proposal").isEmpty();
        assertThat(f.rm.round()).isEqualTo(1);
    }

    @Test
    void aProposalWithAForgedTcIsRefusedAndDoesNotMoveTheNode() {
        started();
        TimeoutCert real = f.tc(2, f.genesisQc(), 0, 1, 3);
        TimeoutCert forged = new TimeoutCert(1, 2, f.genesisQc(), real.entries(), f.tc(7, f.genesisQc(), 0, 1, 3).signature());
        f.deliver(3, new Proposal(f.block(3, 3, f.genesisQc(), "tc"), forged));
        assertThat(f.counter(REJECTED_BAD_TC)).isEqualTo(1);
        assertThat(f.rm.round()).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
    }

    @Test
    void aProposalJustifiedByAValidTcMovesTheNodeToItsRoundAndGetsTheVote() {
        started();
        f.deliver(3, new Proposal(f.block(3, 3, f.genesisQc(), "tc"), f.tc(2, f.genesisQc(), 0, 1, 3)));
        assertThat(f.rm.round()).isEqualTo(3);
        assertThat(f.rm.view().highTc().round()).isEqualTo(2);
        assertThat(f.counter(VOTES_CAST)).isEqualTo(1);
        assertThat(f.sent).filteredOn(s -> s.message() instanceof VoteMsg).extracting(Sent::to).containsExactly(0);
    }

    @Test
    void aProposalOfAPastRoundIsIgnoredAndItsSenderToldWhereWeAre() {
        started().enterByTc(3);
        f.sent.clear();
        f.deliver(1, new Proposal(round1("late"), null));
        assertThat(f.counter(IGNORED_PROPOSAL_NOT_CURRENT_ROUND)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
        assertThat(f.sent).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(1);
            assertThat(s.message()).isInstanceOfSatisfying(Sync.class, m -> assertThat(m.info().highTc().round()).isEqualTo(2));
        });
    }

    @Test
    void aProposalAheadWhoseParentIsMissingWaitsForTheParentAndThenGetsTheVote() {
        RoundManagerFixture g = new RoundManagerFixture(0);
        g.start();
        Block a = g.block(1, 1, g.genesisQc(), "a");
        Block b = g.block(2, 2, g.qc(a, 1, 2, 3), "b");
        g.deliver(2, new Proposal(b, null));
        assertThat(g.rm.round()).as("a's block missing: still round 1").isEqualTo(1);
        assertThat(g.counter(VOTES_CAST)).isZero();
        assertThat(g.requests()).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(2);
            assertThat(((BlockRequest) s.message()).id()).isEqualTo(a.id());
        });
        g.deliver(2, new io.backplane.node.consensus.types.ConsensusMessage.BlockResponse(List.of(a)));
        assertThat(g.rm.round()).isEqualTo(2);
        assertThat(g.counter(VOTES_CAST)).as("the waiting proposal got its vote once its parent arrived").isEqualTo(1);
        assertThat(g.sent).filteredOn(s -> s.message() instanceof VoteMsg).singleElement().satisfies(s -> {
            assertThat(s.to()).as("round 3's leader").isEqualTo(3);
            assertThat(((VoteMsg) s.message()).vote().blockId()).isEqualTo(b.id());
        });
    }

    /** Node 0 in round 1; round 3's proposal (by 3) on round 2's block b, whose block is missing, waits for b. */
    private record Waiting(RoundManagerFixture g, Block b, Block p3) {
    }

    private Waiting aRound3ProposalWaitingForItsParent() {
        RoundManagerFixture g = new RoundManagerFixture(0);
        g.start();
        Block b = g.block(2, 2, g.genesisQc(), "b");
        Block p3 = g.block(3, 3, g.qc(b, 1, 2, 3), "p3");
        g.deliver(3, new Proposal(p3, null));
        assertThat(g.rm.round()).isEqualTo(1);
        return new Waiting(g, b, p3);
    }

    @Test
    void aSecondProposalForAWaitingRoundIsEquivocationEvenAfterTheNodeMovedCloser() {
        Waiting w = aRound3ProposalWaitingForItsParent();
        RoundManagerFixture g = w.g();
        g.enterByTc(2);
        g.deliver(3, new Proposal(g.block(3, 3, g.qc(w.b(), 1, 2, 3), "other"), null));
        assertThat(g.counter(REJECTED_EQUIVOCATING_LEADER)).isEqualTo(1);
    }

    @Test
    void aWaitingProposalWhoseRoundPassedIsDroppedWhenItsParentArrives() {
        Waiting w = aRound3ProposalWaitingForItsParent();
        RoundManagerFixture g = w.g();
        g.enterByTc(4);
        g.sent.clear();
        g.deliver(2, new io.backplane.node.consensus.types.ConsensusMessage.BlockResponse(List.of(w.b())));
        assertThat(g.rm.view().holdsBlock(w.b().id())).isTrue();
        assertThat(g.counter(IGNORED_PROPOSAL_NOT_CURRENT_ROUND)).as("not handled again").isZero();
        assertThat(g.sentOf(VoteMsg.class)).noneMatch(v -> v.vote().blockId().equals(w.p3().id()));
        assertThat(g.sentOf(Sync.class)).isEmpty();
    }

    @Test
    void aProposalOnAForkAtOrBelowTheCommittedRoundIsIgnoredAndNotFetched() {
        started();
        List<Block> chain = f.chain(2);
        f.syncTo(0, chain);
        assertThat(f.rm.committedRound()).isEqualTo(1);
        assertThat(f.rm.round()).isEqualTo(3);
        Block fork = f.block(1, 1, f.genesisQc(), "fork");
        f.sent.clear();
        f.deliver(3, new Proposal(f.block(3, 3, f.qc(fork, 0, 1, 3), "on fork"), f.tc(2, f.genesisQc(), 0, 1, 3)));
        assertThat(f.counter(IGNORED_STALE_PROPOSAL)).isEqualTo(1);
        assertThat(f.requests()).isEmpty();
        assertThat(f.counter(VOTES_CAST)).isZero();
    }

    @Test
    void aProposalThePluginRejectsIsRefusedAndNotStored() {
        f.verdict = ProposalValidator.Verdict.REJECT;
        started().deliver(1, new Proposal(round1("bad tx"), null));
        assertThat(f.counter(REJECTED_VALIDATOR)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
        assertThat(f.rm.view().holdsBlock(round1("bad tx").id())).isFalse();
    }

    @Test
    void aProposalOlderThanItsParentIsRefusedAsBadStructure() {
        RoundManagerFixture g = new RoundManagerFixture(0);
        g.start();
        Block a = g.block(1, 1, g.genesisQc(), "a");
        g.deliver(1, new Proposal(a, null));
        Block b = g.block(2, 2, g.qc(a, 1, 2, 3), "b", 400); // a's timestamp is 500
        g.deliver(2, new Proposal(b, null));
        assertThat(g.counter(REJECTED_BAD_STRUCTURE)).isEqualTo(1);
        assertThat(g.counter(VOTES_CAST)).as("a only").isEqualTo(1);
        assertThat(g.rm.view().holdsBlock(b.id())).isFalse();
    }

    @Test
    void aNodeThatTimedOutOfTheRoundDoesNotVoteInIt() {
        started().fireTimer();
        f.deliver(1, new Proposal(round1("late"), null));
        assertThat(f.counter(VOTE_REFUSED)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
        assertThat(f.sentOf(VoteMsg.class)).isEmpty();
    }

    @Test
    void aVoteWhoseNextLeaderIsUndecidedIsCastButSentNowhere() {
        f.leaders = r -> r == 2 ? OptionalInt.empty() : OptionalInt.of((int) (r % 4));
        started().deliver(1, new Proposal(round1("ok"), null));
        assertThat(f.counter(VOTES_CAST)).isEqualTo(1);
        assertThat(f.rm.view().lastVotedRound()).isEqualTo(1);
        assertThat(f.counter(ABSTAIN_LEADER_UNDECIDED)).isEqualTo(1);
        assertThat(f.sentOf(VoteMsg.class)).isEmpty();
    }

    @Test
    void enteringARoundWhoseLeaderIsUndecidedAbstainsFromProposing() {
        f.leaders = r -> r == 2 ? OptionalInt.empty() : OptionalInt.of((int) (r % 4));
        started().enterByTc(2);
        assertThat(f.rm.round()).isEqualTo(2);
        assertThat(f.counter(ABSTAIN_LEADER_UNDECIDED)).isEqualTo(1);
        assertThat(f.sentOf(Proposal.class)).isEmpty();
    }

    // ---- votes ------------------------------------------------------------------------------------------------------

    @Test
    void votesOfThePreviousRoundStillFormAQcAfterATcAndOlderOnesAreStale() {
        started();
        Block a = round1("a");
        f.deliver(1, new Proposal(a, null)); // our own vote goes to ourselves (we lead round 2)
        f.deliver(0, new VoteMsg(f.vote(0, a)));
        f.enterByTc(2);
        assertThat(f.counter(QCS_FORMED)).isZero();
        f.deliver(3, new VoteMsg(f.vote(3, a)));
        assertThat(f.counter(QCS_FORMED)).as("the round-1 votes survived entering round 2").isEqualTo(1);
        assertThat(f.rm.highQc().blockId()).isEqualTo(a.id());
        f.enterByTc(5);
        f.deliver(1, new VoteMsg(f.vote(1, a)));
        assertThat(f.counter(IGNORED_STALE_VOTE)).isEqualTo(1);
        assertThat(f.counter(VOTES_VERIFIED)).isEqualTo(3);
    }

    @Test
    void aVoteExactlyMaxRoundsAheadIsKeptAndOneFurtherIsDropped() {
        started();
        long edge = 1 + RoundManager.MAX_ROUNDS_AHEAD; // its QC would lead round 1002: validator 2's
        f.deliver(0, new VoteMsg(f.vote(0, edge, round1("unknown").id())));
        assertThat(f.counter(REJECTED_VOTE_TOO_FAR_AHEAD)).isZero();
        assertThat(f.counter(VOTES_VERIFIED)).isEqualTo(1);
        assertThat(f.counter(VOTES_FOR_UNKNOWN_BLOCK)).isEqualTo(1);
        f.deliver(0, new VoteMsg(f.vote(0, edge + 4, round1("unknown").id())));
        assertThat(f.counter(REJECTED_VOTE_TOO_FAR_AHEAD)).isEqualTo(1);
        assertThat(f.counter(VOTES_VERIFIED)).isEqualTo(1);
    }

    @Test
    void votesOfThePreviousRoundArrivingTogetherAreCheckedInOneBatch() {
        started().enterByTc(2);
        Block a = round1("a");
        f.rm.handleAll(List.of(new MessageReceived(0, new VoteMsg(f.vote(0, a))), new MessageReceived(1, new VoteMsg(f.vote(1, a))),
                new MessageReceived(3, new VoteMsg(f.vote(3, a)))));
        assertThat(f.batches).containsExactly(3);
        assertThat(f.counter(QCS_FORMED)).isEqualTo(1);
    }

    // ---- timeouts ---------------------------------------------------------------------------------------------------

    @Test
    void aTimeoutOfAnotherEpochOrFromAnUnknownAuthorIsRefused() {
        started();
        TimeoutMsg good = f.timeout(0, 1, f.genesisQc());
        f.deliver(0, new Timeout(new TimeoutMsg(2, 1, f.genesisQc(), null, 0, good.signature())));
        f.deliver(0, new Timeout(new TimeoutMsg(1, 1, f.genesisQc(), null, 9, good.signature())));
        assertThat(f.counter(REJECTED_WRONG_EPOCH)).isEqualTo(2);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isZero();
    }

    @Test
    void aTimeoutWhoseHighQcIsNotBelowItsRoundIsRefusedAsBadStructure() {
        started();
        Block a = round1("a");
        f.deliver(1, new Proposal(a, null));
        f.deliver(0, new Timeout(f.timeout(0, 1, f.qc(a, 0, 1, 3))));
        assertThat(f.counter(REJECTED_BAD_STRUCTURE)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isZero();
        assertThat(f.rm.round()).isEqualTo(1);
    }

    @Test
    void aTimeoutExactlyMaxRoundsAheadIsCheckedAndOneFurtherIsDropped() {
        started();
        long edge = 1 + RoundManager.MAX_ROUNDS_AHEAD;
        f.deliver(0, new Timeout(f.timeout(0, edge, f.genesisQc())));
        assertThat(f.counter(REJECTED_TIMEOUT_TOO_FAR_AHEAD)).isZero();
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
        f.deliver(0, new Timeout(f.timeout(0, edge + 1, f.genesisQc())));
        assertThat(f.counter(REJECTED_TIMEOUT_TOO_FAR_AHEAD)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
    }

    @Test
    void aRepeatedTimeoutIsIgnored() {
        started();
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        assertThat(f.counter(IGNORED_DUPLICATE_TIMEOUT)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
    }

    @Test
    void aTimeoutOfThePreviousRoundIsCheckedButOlderOnesAreStaleAndBothSendersSynced() {
        started().enterByTc(3);
        f.sent.clear();
        f.deliver(0, new Timeout(f.timeout(0, 2, f.genesisQc())));
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
        assertThat(f.counter(IGNORED_STALE_TIMEOUT)).isZero();
        f.deliver(1, new Timeout(f.timeout(1, 1, f.genesisQc())));
        assertThat(f.counter(IGNORED_STALE_TIMEOUT)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
        assertThat(f.sent).allSatisfy(s -> assertThat(s.message()).isInstanceOf(Sync.class)).extracting(Sent::to).containsExactly(0, 1);
    }

    @Test
    void aTimeoutReplayedRoundsLaterIsStaleNotADuplicateAndItsSenderSynced() {
        started();
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        f.enterByTc(4); // forgets the timeouts of rounds below 2
        f.sent.clear();
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        assertThat(f.counter(IGNORED_DUPLICATE_TIMEOUT)).isZero();
        assertThat(f.counter(IGNORED_STALE_TIMEOUT)).isEqualTo(1);
        assertThat(f.sent).singleElement().satisfies(s -> assertThat(s.to()).isZero());
    }

    @Test
    void aTimeoutWithAForgedSignatureOrQcIsRefused() {
        started();
        f.deliver(0, new Timeout(new TimeoutMsg(1, 1, f.genesisQc(), null, 0, f.timeout(1, 1, f.genesisQc()).signature())));
        assertThat(f.counter(REJECTED_BAD_SIGNATURE)).isEqualTo(1);
        QuorumCert forged = new QuorumCert(1, 1, round1("a").id(), f.qc(round1("a"), 0, 1, 3).signers(), f.qc(round1("b"), 0, 1, 3).signature());
        f.deliver(1, new Timeout(new TimeoutMsg(1, 2, forged, null, 1, f.keys[1].sign(SigningMessages.timeout(1, 2, 1)))));
        assertThat(f.counter(REJECTED_BAD_QC)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isZero();
    }

    @Test
    void aTimeoutCarryingAHigherQcMovesTheNodePastThatQc() {
        started();
        Block a = round1("a");
        f.deliver(1, new Proposal(a, null));
        QuorumCert qcA = f.qc(a, 0, 1, 3);
        f.deliver(0, new Timeout(f.timeout(0, 2, qcA)));
        assertThat(f.rm.highQc()).isEqualTo(qcA);
        assertThat(f.rm.round()).isEqualTo(2);
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
    }

    @Test
    void aTimeoutCarryingAHigherTcMovesTheNodePastThatTc() {
        started();
        TimeoutMsg t = f.timeout(0, 4, f.genesisQc());
        f.deliver(0, new Timeout(new TimeoutMsg(1, 4, f.genesisQc(), f.tc(3, f.genesisQc(), 0, 1, 3), 0, t.signature())));
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(1);
        assertThat(f.rm.round()).isEqualTo(4);
        assertThat(f.rm.view().highTc().round()).isEqualTo(3);
    }

    @Test
    void aNodeJoinsTheTimeoutOfItsRoundOnceMoreThanAThirdGaveUp() {
        started();
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        assertThat(f.counter(TIMEOUTS_JOINED)).as("one third is not enough").isZero();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isZero();
        f.deliver(1, new Timeout(f.timeout(1, 1, f.genesisQc())));
        assertThat(f.counter(TIMEOUTS_JOINED)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_SIGNED)).isEqualTo(1);
        assertThat(f.sentOf(Timeout.class)).singleElement().satisfies(t -> assertThat(t.timeout().author()).isEqualTo(2));
        assertThat(f.counter(TCS_FORMED)).as("with its own timeout: a quorum").isEqualTo(1);
        assertThat(f.rm.round()).isEqualTo(2);
    }

    @Test
    void aNodeThatAlreadyTimedOutDoesNotJoinAgain() {
        started().fireTimer();
        f.deliver(0, new Timeout(f.timeout(0, 1, f.genesisQc())));
        f.deliver(1, new Timeout(f.timeout(1, 1, f.genesisQc())));
        assertThat(f.counter(TIMEOUTS_JOINED)).isZero();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isEqualTo(1);
        assertThat(f.counter(TCS_FORMED)).isEqualTo(1);
    }

    @Test
    void timeoutsOfAFutureRoundDoNotMakeTheNodeGiveUpItsOwn() {
        started();
        f.deliver(0, new Timeout(f.timeout(0, 5, f.genesisQc())));
        f.deliver(1, new Timeout(f.timeout(1, 5, f.genesisQc())));
        assertThat(f.counter(TIMEOUTS_VERIFIED)).isEqualTo(2);
        assertThat(f.counter(TIMEOUTS_JOINED)).isZero();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isZero();
        assertThat(f.rm.round()).isEqualTo(1);
    }

    // ---- certificates -----------------------------------------------------------------------------------------------

    @Test
    void aTcCarryingAHigherQcThanTheSyncGivesTheNodeThatQc() {
        started();
        Block a = round1("a");
        f.deliver(1, new Proposal(a, null));
        QuorumCert qcA = f.qc(a, 0, 1, 3);
        f.deliver(0, new Sync(new SyncInfo(f.genesisQc(), f.tc(3, qcA, 0, 1, 3))));
        assertThat(f.rm.round()).isEqualTo(4);
        assertThat(f.rm.highQc()).isEqualTo(qcA);
    }

    @Test
    void aQcOnAForkAtTheCommittedRoundIsNeitherFetchedNorFollowed() {
        started();
        List<Block> chain = f.chain(3);
        f.syncTo(0, chain);
        assertThat(f.rm.committedRound()).isEqualTo(2);
        long missing = f.counter(SYNC_QC_FOR_MISSING_BLOCK);
        f.sent.clear();
        Block fork = f.block(2, 2, f.qc(chain.get(0), 0, 1, 3), "fork");
        f.deliver(0, new Sync(new SyncInfo(f.qc(fork, 0, 1, 3), null)));
        assertThat(f.counter(SYNC_QC_FOR_MISSING_BLOCK)).isEqualTo(missing);
        assertThat(f.requests()).isEmpty();
        assertThat(f.rm.round()).isEqualTo(4);
    }

    @Test
    void aQcForAMissingBlockIsFetchedFromThePeerThatSentIt() {
        started();
        Block a = round1("a");
        f.deliver(3, new Sync(new SyncInfo(f.qc(a, 0, 1, 3), null)));
        assertThat(f.requests()).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(3);
            assertThat(((BlockRequest) s.message()).id()).isEqualTo(a.id());
        });
    }
}
