package io.backplane.node.consensus.round;

import static io.backplane.node.consensus.round.ConsensusCounter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.round.ConsensusEvent.LedgerProgress;
import io.backplane.node.consensus.round.RoundManagerFixture.Sent;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.Timeout;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SyncInfo;
import org.junit.jupiter.api.Test;

/**
 * The round timer (arming, firing twice in a round, retries of missing blocks), what the node's own timeouts and
 * proposals carry and when the guard's refusal stops them, and the ledger hand-off's back-pressure on proposing.
 */
class RoundManagerTimingAndLedgerTest {
    private final RoundManagerFixture f = new RoundManagerFixture(2);

    @Test
    void aTimerFiringTwiceInARoundResendsTheOneTimeoutSignedAndSavedAndArmsAgain() {
        f.start();
        assertThat(f.timers).hasSize(1);
        f.fireTimer();
        assertThat(f.timers).as("armed again for the same round").hasSize(2);
        assertThat(f.timers.get(1).event().round()).isEqualTo(1);
        assertThat(f.timers.get(1).event().generation()).isNotEqualTo(f.timers.get(0).event().generation());
        f.fireTimer();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isEqualTo(1);
        assertThat(f.signRequests).containsExactly(SigningKind.TIMEOUT);
        assertThat(f.sentOf(Timeout.class)).hasSize(2).allSatisfy(t -> assertThat(t.timeout().signature()).isEqualTo(f.sentOf(Timeout.class).get(0).timeout().signature()));
        assertThat(f.store.ownTimeout()).hasValueSatisfying(t -> assertThat(t.signature()).isEqualTo(f.sentOf(Timeout.class).get(0).timeout().signature()));
    }

    @Test
    void aTimerOfAnEarlierArmingIsIgnored() {
        f.start();
        var first = f.timers.getFirst().event();
        f.fireTimer();
        f.rm.handle(first);
        assertThat(f.sentOf(Timeout.class)).hasSize(1);
    }

    @Test
    void eachTimeoutAsksAgainForTheBlockOfAnAwaitedQc() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        f.deliver(3, new Sync(new SyncInfo(f.qc(a, 0, 1, 3), null)));
        assertThat(f.requests()).hasSize(1);
        f.fireTimer();
        assertThat(f.requests()).hasSize(2).allSatisfy(s -> assertThat(((BlockRequest) s.message()).id()).isEqualTo(a.id()));
        assertThat(f.requests()).extracting(Sent::to).allSatisfy(to -> assertThat(to).isIn(0, 1, 3));
    }

    @Test
    void aTimeoutTheGuardRefusesIsCountedAndNotSent() {
        f.refused.add(SigningKind.TIMEOUT);
        f.start();
        f.fireTimer();
        assertThat(f.counter(TIMEOUT_REFUSED)).isEqualTo(1);
        assertThat(f.counter(TIMEOUTS_SIGNED)).isZero();
        assertThat(f.sentOf(Timeout.class)).isEmpty();
    }

    @Test
    void theTimeoutOfTheNextRoundIsSignedAfreshAndCarriesTheTcThatStartedIt() {
        f.start();
        f.fireTimer();
        f.enterByTc(2);
        f.fireTimer();
        assertThat(f.counter(TIMEOUTS_SIGNED)).isEqualTo(2);
        assertThat(f.counter(TIMEOUTS_RESIGNED)).isZero();
        assertThat(f.sentOf(Timeout.class).getLast().timeout().round()).isEqualTo(2);
        assertThat(f.sentOf(Timeout.class).getLast().timeout().highTc().round()).isEqualTo(1);
    }

    // ---- proposing --------------------------------------------------------------------------------------------------

    @Test
    void aLeaderThatLacksTheBlockOfItsTcsHighestQcDoesNotPropose() {
        f.start();
        Block a = f.block(1, 1, f.genesisQc(), "a");
        QuorumCert qcA = f.qc(a, 0, 1, 3);
        f.deliver(0, new Sync(new SyncInfo(f.genesisQc(), f.tc(5, qcA, 0, 1, 3))));
        assertThat(f.rm.round()).as("validator 2 leads round 6").isEqualTo(6);
        assertThat(f.counter(PROPOSE_BEHIND_TC)).isEqualTo(1);
        assertThat(f.sentOf(Proposal.class)).isEmpty();
    }

    @Test
    void aProposalTheGuardRefusesIsCountedAndNotSent() {
        f.refused.add(SigningKind.PROPOSAL);
        f.start();
        f.enterByTc(2);
        assertThat(f.counter(PROPOSE_REFUSED)).isEqualTo(1);
        assertThat(f.counter(PROPOSALS_MADE)).isZero();
        assertThat(f.sentOf(Proposal.class)).isEmpty();
    }

    // ---- back-pressure ----------------------------------------------------------------------------------------------

    private void leaderOfRound2WithAFullLedger() {
        f.ledger.capacity = 0;
        f.start();
        f.enterByTc(2);
        assertThat(f.counter(PROPOSE_LEDGER_FULL)).isEqualTo(1);
        assertThat(f.rm.view().proposingPaused()).isTrue();
        assertThat(f.sentOf(Proposal.class)).isEmpty();
    }

    @Test
    void aProposalHeldBackByAFullLedgerIsMadeOnceTheLedgerHasRoom() {
        leaderOfRound2WithAFullLedger();
        f.ledger.capacity = 5;
        f.rm.handle(new LedgerProgress());
        assertThat(f.rm.view().proposingPaused()).isFalse();
        assertThat(f.counter(PROPOSALS_MADE)).isEqualTo(1);
        assertThat(f.sentOf(Proposal.class)).singleElement().satisfies(p -> assertThat(p.block().round()).isEqualTo(2));
    }

    @Test
    void aHeldBackProposalStaysHeldWhileTheLedgerIsStillFull() {
        leaderOfRound2WithAFullLedger();
        f.rm.handle(new LedgerProgress());
        assertThat(f.counter(PROPOSALS_MADE)).isZero();
    }

    @Test
    void aHeldBackProposalIsDroppedOnceTheNodeTimedOutOfItsRound() {
        leaderOfRound2WithAFullLedger();
        f.fireTimer();
        f.ledger.capacity = 5;
        f.rm.handle(new LedgerProgress());
        assertThat(f.counter(PROPOSALS_MADE)).isZero();
    }

    @Test
    void aHeldBackProposalIsDroppedOnceTheNodeMovedOn() {
        leaderOfRound2WithAFullLedger();
        f.enterByTc(3);
        f.ledger.capacity = 5;
        f.rm.handle(new LedgerProgress());
        assertThat(f.counter(PROPOSALS_MADE)).isZero();
    }
}
