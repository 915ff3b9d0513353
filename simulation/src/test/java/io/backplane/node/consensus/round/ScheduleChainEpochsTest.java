package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.codec.CanonicalWriter;
import io.backplane.node.consensus.liveness.LeaderElectionAlgorithm;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.ScheduleInput;
import io.backplane.node.consensus.liveness.ScheduleInput.HistoryEntry;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The committed leader schedule's arithmetic and bookkeeping: which rounds an epoch covers, which round a schedule
 * starts at, what history and seed the algorithm sees, which answers are remembered, and what pruning keeps.
 */
class ScheduleChainEpochsTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));

    /** Records every input the chain asks the (round robin) algorithm about. */
    static final class Recording implements LeaderElectionAlgorithm {
        final List<ScheduleInput> seen = new ArrayList<>();

        @Override
        public Optional<List<Integer>> schedule(ScheduleInput in) {
            seen.add(in);
            return new RoundRobinElection().schedule(in);
        }
    }

    static QuorumCert certify(Block b, byte signers) {
        return new QuorumCert(1, b.round(), b.id(), new byte[] {signers}, new byte[] {9});
    }

    static QuorumCert qcFor(Block parent) {
        return parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent, (byte) 0b0111);
    }

    static Block child(Block parent, long round, List<Integer> schedule) {
        return new Block(1, round, qcFor(parent), new byte[0], (int) (round % 4), round, schedule, new byte[0]);
    }

    /** Extends {@code from} with honest blocks (each carrying what it must) for the given rounds; returns them in order. */
    static List<Block> extend(ScheduleChain chain, Block from, long firstRound, long lastRound) {
        List<Block> out = new ArrayList<>();
        Block parent = from;
        for (long r = firstRound; r <= lastRound; r++) {
            Block b = child(parent, r, chain.expected(r, parent, qcFor(parent)).orElseThrow());
            chain.inserted(b, parent);
            out.add(b);
            parent = b;
        }
        return out;
    }

    @Test
    void scheduleEpochKCoversRoundsKTimesLengthPlusOneThroughKPlusOneTimesLength() {
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, Block.genesis(1));
        assertThat(chain.epochOf(0)).as("genesis is before epoch 0").isEqualTo(-1);
        assertThat(chain.epochOf(-4)).isEqualTo(-1);
        assertThat(chain.epochOf(1)).isZero();
        assertThat(chain.epochOf(3)).isZero();
        assertThat(chain.epochOf(4)).isEqualTo(1);
        assertThat(chain.epochOf(6)).isEqualTo(1);
        assertThat(chain.epochOf(7)).isEqualTo(2);
        assertThat(chain.epochOf(300)).isEqualTo(99);
    }

    @Test
    void aBlockOpensAnEpochExactlyWhenItsParentLiesInAnEarlierOne() {
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, Block.genesis(1));
        assertThat(chain.opensEpoch(1, 0)).isTrue();
        assertThat(chain.opensEpoch(2, 1)).isFalse();
        assertThat(chain.opensEpoch(3, 2)).isFalse();
        assertThat(chain.opensEpoch(3, 3)).isFalse();
        assertThat(chain.opensEpoch(4, 3)).isTrue();
        assertThat(chain.opensEpoch(9, 2)).as("epoch 1 timed out entirely").isTrue();
        assertThat(chain.opensEpoch(6, 4)).isFalse();
    }

    @Test
    void eachRoundOfAnEpochIsLedByItsPositionInTheScheduleCarriedOnTheChain() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        Block b1 = child(genesis, 1, List.of(2, 0, 3));
        chain.inserted(b1, genesis);
        assertThat(chain.leader(4, b1.id())).hasValue(2);
        assertThat(chain.leader(5, b1.id())).hasValue(0);
        assertThat(chain.leader(6, b1.id())).hasValue(3);
    }

    @Test
    void aScheduleCarriedByABlockThatDoesNotOpenAnEpochIsIgnored() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        Block b1 = child(genesis, 1, List.of(2, 0, 3));
        chain.inserted(b1, genesis);
        Block b2 = child(b1, 2, List.of(3, 3, 3));
        chain.inserted(b2, b1);
        assertThat(chain.leader(4, b2.id())).hasValue(2);
        assertThat(chain.leader(5, b2.id())).hasValue(0);
    }

    @Test
    void withoutACarriedScheduleTheAlgorithmIsAskedForTheEpochStartingAtRoundKTimesLengthPlusOne() {
        Block genesis = Block.genesis(1);
        Recording election = new Recording();
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, election, 2), VS, genesis);
        assertThat(chain.leader(8, genesis.id())).hasValue(0);
        ScheduleInput in = election.seen.getLast();
        assertThat(in.scheduleEpoch()).isEqualTo(2);
        assertThat(in.firstRound()).isEqualTo(7);
        assertThat(in.windowLength()).isEqualTo(3);
        assertThat(chain.leader(7, genesis.id())).hasValue(3);
        assertThat(chain.leader(9, genesis.id())).hasValue(1);
    }

    @Test
    void aBlockOpeningEpochKMustCarryTheScheduleOfEpochKPlusOneAndOthersCarryNothing() {
        Block genesis = Block.genesis(1);
        Recording election = new Recording();
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, election, 2), VS, genesis);
        List<Block> b = extend(chain, genesis, 1, 3);
        Block b3 = b.get(2);
        assertThat(chain.expected(3, b.get(1), qcFor(b.get(1)))).as("round 3 does not open an epoch after round 2")
                .contains(List.of());
        Optional<List<Integer>> want = chain.expected(4, b3, qcFor(b3));
        assertThat(want).contains(List.of(3, 0, 1));
        ScheduleInput in = election.seen.getLast();
        assertThat(in.scheduleEpoch()).isEqualTo(2);
        assertThat(in.firstRound()).isEqualTo(7);
        assertThat(chain.check(child(b3, 4, List.of(3, 0, 1)), b3)).isEqualTo(ScheduleChain.Check.OK);
        assertThat(chain.check(child(b3, 4, List.of(0, 1, 2)), b3)).isEqualTo(ScheduleChain.Check.MISMATCH);
        assertThat(chain.check(child(b.get(0), 2, List.of()), b.get(0))).isEqualTo(ScheduleChain.Check.OK);
    }

    @Test
    void anUndecidedOrMalformedAnswerLeavesTheLeaderUnknownAndTheCheckUndecided() {
        Block genesis = Block.genesis(1);
        ScheduleChain undecided = new ScheduleChain(new EpochConfig(3, in -> Optional.empty(), 2), VS, genesis);
        assertThat(undecided.leader(2, genesis.id())).isEmpty();
        assertThat(undecided.check(child(genesis, 1, List.of(1, 2, 3)), genesis)).isEqualTo(ScheduleChain.Check.UNDECIDED);
        ScheduleChain tooLong = new ScheduleChain(new EpochConfig(3, in -> Optional.of(List.of(0, 1, 2, 3)), 2), VS, genesis);
        assertThat(tooLong.leader(1, genesis.id())).isEmpty();
        assertThat(tooLong.check(child(genesis, 1, List.of(0, 1, 2)), genesis)).isEqualTo(ScheduleChain.Check.UNDECIDED);
        ScheduleChain fine = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        assertThat(fine.leader(1, child(genesis, 1, List.of()).id())).as("unknown parent").isEmpty();
    }

    @Test
    void theAlgorithmSeesTheLastHistoryLengthCertifiedBlocksWithTheirAuthorsAndVoters() {
        Block genesis = Block.genesis(1);
        Recording election = new Recording();
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, election, 2), VS, genesis);
        assertThat(chain.expected(1, genesis, QuorumCert.genesis(1, genesis.id()))).isPresent();
        assertThat(election.seen.getLast().history()).as("genesis is certified by no quorum").isEmpty();
        List<Block> b = extend(chain, genesis, 1, 6);
        Block b6 = b.get(5);
        chain.expected(7, b6, certify(b6, (byte) 0b1101));
        List<HistoryEntry> history = election.seen.getLast().history();
        assertThat(history).extracting(HistoryEntry::round).containsExactly(5L, 6L);
        assertThat(history.get(1).leader()).isEqualTo(b6.author());
        assertThat(history.get(1).voters()).containsExactly(0, 2, 3);
        assertThat(history.get(0).voters()).containsExactly(0, 1, 2);
    }

    @Test
    void aHistoryLengthOfZeroGivesTheAlgorithmNoHistory() {
        Block genesis = Block.genesis(1);
        Recording election = new Recording();
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, election, 0), VS, genesis);
        List<Block> b = extend(chain, genesis, 1, 6);
        chain.expected(7, b.get(5), qcFor(b.get(5)));
        assertThat(election.seen.getLast().history()).isEmpty();
    }

    @Test
    void theEpochSeedIsTheSha256OfTheDomainTagAndTheCanonicalParentQc() throws Exception {
        Block genesis = Block.genesis(1);
        Block b1 = child(genesis, 1, List.of());
        QuorumCert qc = certify(b1, (byte) 0b0111);
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        d.update("backplane-schedule-seed-v1".getBytes(StandardCharsets.US_ASCII));
        CanonicalWriter w = new CanonicalWriter(64);
        qc.encode(w);
        assertThat(ScheduleChain.seed(qc)).isEqualTo(d.digest(w.toByteArray()));
        assertThat(ScheduleChain.seed(qc)).isNotEqualTo(ScheduleChain.seed(certify(b1, (byte) 0b1011)));
    }

    @Test
    void theAlgorithmIsAskedOncePerInputAndTheSixtyFourMostRecentAnswersAreRemembered() {
        Block genesis = Block.genesis(1);
        Recording election = new Recording();
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, election, 2), VS, genesis);
        chain.leader(1, genesis.id());
        chain.leader(2, genesis.id());
        assertThat(election.seen).hasSize(1);
        for (int k = 1; k < 64; k++) {
            chain.leader(3L * k + 1, genesis.id());
        }
        assertThat(election.seen).hasSize(64);
        chain.leader(1, genesis.id());
        assertThat(election.seen).as("64 answers fit").hasSize(64);
        chain.leader(3L * 64 + 1, genesis.id());
        assertThat(election.seen).hasSize(65);
        chain.leader(4, genesis.id());
        assertThat(election.seen).as("the least recently used answer (epoch 1) was dropped").hasSize(66);
        chain.leader(1, genesis.id());
        assertThat(election.seen).as("epoch 0 was used recently").hasSize(66);
    }

    @Test
    void theRestoreWindowIsTwoEpochsPlusTheHistoryPlusTwoAndRebuildsTheTipExactly() {
        Block genesis = Block.genesis(1);
        ScheduleChain full = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        assertThat(full.restoreWindow()).isEqualTo(2 * 3 + 2 + 2);
        assertThat(new ScheduleChain(new EpochConfig(5, new RoundRobinElection(), 7), VS, genesis).restoreWindow()).isEqualTo(19);
        List<Block> b = extend(full, genesis, 1, 40);
        ScheduleChain restored = new ScheduleChain(new EpochConfig(3, new RoundRobinElection(), 2), VS, genesis);
        restored.restore(b.subList(40 - restored.restoreWindow(), 40), false);
        Block tip = b.getLast();
        for (long r = 41; r <= 47; r++) {
            assertThat(restored.leader(r, tip.id())).isEqualTo(full.leader(r, tip.id()));
        }
        assertThat(restored.expected(41, tip, qcFor(tip))).isEqualTo(full.expected(41, tip, qcFor(tip)));
    }

    @Test
    void pruningRunsOnlyOnceTheStateHasReached256Blocks() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(4, new RoundRobinElection(), 3), VS, genesis);
        List<Block> b = extend(chain, genesis, 1, 100);
        chain.pruneBelow(b.get(89).id(), 90);
        assertThat(chain.leader(12, b.get(10).id())).as("101 states: no pass yet").isPresent();
    }

    @Test
    void aPruningPassDropsExactlyTheBlocksBelowTheRootsRound() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(4, new RoundRobinElection(), 3), VS, genesis);
        List<Block> b = extend(chain, genesis, 1, 254);
        Block root = b.get(199);
        Block sibling = new Block(1, 200, qcFor(b.get(198)), new byte[] {7}, 0, 200, root.nextSchedule(), new byte[0]);
        chain.inserted(sibling, b.get(198));
        // genesis + 254 blocks + the sibling: 256 states, the first pass.
        chain.pruneBelow(root.id(), root.round());
        assertThat(chain.leader(12, b.get(10).id())).as("below the root").isEmpty();
        assertThat(chain.leader(199, b.get(197).id())).as("below the root").isEmpty();
        assertThat(chain.leader(201, root.id())).as("the root").isPresent();
        assertThat(chain.leader(201, sibling.id())).as("at the root's round").isPresent();
        assertThat(chain.leader(212, b.get(210).id())).as("above the root").isPresent();
    }

    @Test
    void afterAPassKeepingNStatesTheNextRunsOnlyAtTwoN() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(4, new RoundRobinElection(), 3), VS, genesis);
        List<Block> b = new ArrayList<>(extend(chain, genesis, 1, 600));
        chain.pruneBelow(b.get(299).id(), 300);
        // 301 states kept (rounds 300..600): the next pass waits for 602.
        b.addAll(extend(chain, b.getLast(), 601, 900));
        chain.pruneBelow(b.get(849).id(), 850);
        assertThat(chain.leader(402, b.get(400).id())).as("601 states: no pass").isPresent();
        b.addAll(extend(chain, b.getLast(), 901, 901));
        chain.pruneBelow(b.get(849).id(), 850);
        assertThat(chain.leader(402, b.get(400).id())).as("602 states: a pass").isEmpty();
        assertThat(chain.leader(902, b.getLast().id())).isPresent();
    }
}
