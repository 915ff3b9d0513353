package io.backplane.node.consensus.round;

import static io.backplane.node.consensus.round.ConsensusCounter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.VoteMsg;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SyncInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A round manager whose leaders come from schedules committed on chain: where the parent is held, the leader (of a
 * proposal, of a fetched block, of the round a vote is for) is checked against the parent's chain, and a proposal
 * carrying another schedule than its chain expects is refused.
 */
class RoundManagerCommittedScheduleTest {
    private final RoundManagerFixture f = new RoundManagerFixture(0);

    private RoundManagerFixture started() {
        f.epochs = new EpochConfig(5, new RoundRobinElection(), 4);
        f.start();
        return f;
    }

    private Block genesis() {
        return Block.genesis(1);
    }

    private int leaderOf(long round, Block parent) {
        return f.rm.view().leaderFor(round, parent.id()).orElseThrow();
    }

    private int notLeaderNorSelf(long round, Block parent) {
        int leader = leaderOf(round, parent);
        return IntStream.range(0, 4).filter(i -> i != leader && i != f.self).findFirst().orElseThrow();
    }

    private List<Integer> expected(long round, Block parent, QuorumCert qc) {
        return f.rm.view().expectedSchedule(round, parent, qc).orElseThrow();
    }

    private Block round1By(int author, String payload) {
        return f.block(author, 1, f.genesisQc(), payload, 500, expected(1, genesis(), f.genesisQc()));
    }

    @Test
    void aProposalByAnyoneButTheChainsLeaderOnAHeldParentIsRefused() {
        started();
        int other = notLeaderNorSelf(1, genesis());
        f.deliver(other, new Proposal(round1By(other, "x"), null));
        assertThat(f.counter(REJECTED_NOT_LEADER)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
    }

    @Test
    void aProposalCarryingAnotherScheduleThanItsChainExpectsIsRefused() {
        started();
        int leader = leaderOf(1, genesis());
        List<Integer> wrong = new ArrayList<>(expected(1, genesis(), f.genesisQc()));
        wrong.add(leader);
        f.deliver(leader, new Proposal(f.block(leader, 1, f.genesisQc(), "x", 500, wrong), null));
        assertThat(f.counter(REJECTED_SCHEDULE_MISMATCH)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
        assertThat(f.rm.view().holdsBlock(f.block(leader, 1, f.genesisQc(), "x", 500, wrong).id())).isFalse();
    }

    @Test
    void aFetchedBlockByAnyoneButTheChainsLeaderOnAHeldParentIsRefused() {
        started();
        int other = notLeaderNorSelf(1, genesis());
        Block x = round1By(other, "x");
        f.deliver(0, new Sync(new SyncInfo(f.qc(x, 0, 1, 3), null)));
        f.deliver(0, new BlockResponse(List.of(x)));
        assertThat(f.counter(REJECTED_BAD_FETCHED_BLOCK)).isEqualTo(1);
        assertThat(f.rm.view().holdsBlock(x.id())).isFalse();
    }

    @Test
    void aVoteForAHeldBlockWhoseNextLeaderIsAnotherNodeIsRefused() {
        started();
        int leader = leaderOf(1, genesis());
        Block a = round1By(leader, "a");
        f.deliver(leader, new Proposal(a, null));
        assertThat(f.rm.view().holdsBlock(a.id())).isTrue();
        int next = leaderOf(2, a);
        assertThat(next).as("round 2 on a's chain is not ours").isNotEqualTo(f.self);
        int voter = IntStream.range(1, 4).filter(i -> i != next).findFirst().orElseThrow();
        f.deliver(voter, new VoteMsg(f.vote(voter, a)));
        assertThat(f.counter(REJECTED_VOTE_NOT_FOR_ME)).isEqualTo(1);
        assertThat(f.counter(VOTES_VERIFIED)).isZero();
    }

    /** Round robin, except that the schedule of epoch 1 (rounds 6..10), which round 1's block must carry, is undecided. */
    private static EpochConfig epoch1Undecided() {
        return new EpochConfig(5, in -> in.scheduleEpoch() == 1 ? java.util.Optional.empty() : new RoundRobinElection().schedule(in), 4);
    }

    @Test
    void aProposalWhoseScheduleTheNodeCannotDecideGetsNoVote() {
        f.epochs = epoch1Undecided();
        f.start();
        int leader = leaderOf(1, genesis());
        assertThat(f.rm.view().expectedSchedule(1, genesis(), f.genesisQc())).isEmpty();
        f.deliver(leader, new Proposal(f.block(leader, 1, f.genesisQc(), "x", 500, List.of(0, 1, 2, 3, 0)), null));
        assertThat(f.counter(ABSTAIN_SCHEDULE_UNDECIDED)).isEqualTo(1);
        assertThat(f.counter(VOTES_CAST)).isZero();
    }

    @Test
    void aLeaderThatCannotDecideTheScheduleItsBlockMustCarryDoesNotPropose() {
        RoundManagerFixture g = new RoundManagerFixture(1); // round 1's leader
        g.epochs = epoch1Undecided();
        g.start();
        assertThat(g.rm.view().leaderFor(1, genesis().id())).hasValue(1);
        assertThat(g.counter(ABSTAIN_SCHEDULE_UNDECIDED)).isEqualTo(1);
        assertThat(g.counter(PROPOSALS_MADE)).isZero();
        assertThat(g.sentOf(Proposal.class)).isEmpty();
    }
}
