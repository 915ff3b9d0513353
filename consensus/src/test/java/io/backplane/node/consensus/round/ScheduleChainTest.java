package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.ScheduleInput;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The committed schedule on a chain: which block carries it, what voters check, which rounds it governs. */
class ScheduleChainTest {
    static final ValidatorSet VS = new ValidatorSet(1, List.of(new Validator(new byte[] {1}, 1), new Validator(new byte[] {2}, 1),
            new Validator(new byte[] {3}, 1), new Validator(new byte[] {4}, 1)));

    static QuorumCert certify(Block b) {
        return new QuorumCert(1, b.round(), b.id(), new byte[] {0b0111}, new byte[] {9});
    }

    static Block child(Block parent, long round, List<Integer> schedule) {
        return new Block(1, round, parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent), new byte[0], 0, round, schedule, new byte[0]);
    }

    @Test
    void theFirstBlockOfAnEpochCarriesTheNextScheduleAndItGovernsThatEpochOnItsChain() {
        List<ScheduleInput> seen = new ArrayList<>();
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(3, in -> {
            seen.add(in);
            return new RoundRobinElection().schedule(in);
        }, 2), VS, genesis);
        // Epoch 0 (rounds 1..3): the schedule computed at genesis, round robin.
        assertThat(chain.leader(1, genesis.id())).hasValue(1);
        assertThat(chain.leader(3, genesis.id())).hasValue(3);
        // Round 1 opens epoch 0 on its chain, so it must carry epoch 1's schedule (rounds 4..6).
        Optional<List<Integer>> want = chain.expected(1, genesis, QuorumCert.genesis(1, genesis.id()));
        assertThat(want).contains(List.of(0, 1, 2));
        Block b1 = child(genesis, 1, List.of(0, 1, 2));
        assertThat(chain.check(b1, genesis)).isEqualTo(ScheduleChain.Check.OK);
        assertThat(chain.check(child(genesis, 1, List.of(3, 3, 3)), genesis)).isEqualTo(ScheduleChain.Check.MISMATCH);
        assertThat(chain.check(child(genesis, 1, List.of()), genesis)).isEqualTo(ScheduleChain.Check.MISMATCH);
        chain.inserted(b1, genesis);
        // Round 2 does not open an epoch: it must carry nothing.
        Block b2 = child(b1, 2, List.of());
        assertThat(chain.check(b2, b1)).isEqualTo(ScheduleChain.Check.OK);
        assertThat(chain.check(child(b1, 2, List.of(0, 1, 2)), b1)).isEqualTo(ScheduleChain.Check.MISMATCH);
        chain.inserted(b2, b1);
        // A chain that carried a different (say, certified by a faulty quorum) schedule follows it: rounds 4..6 on it.
        Block other = child(genesis, 1, List.of(2, 2, 3));
        chain.inserted(other, genesis);
        assertThat(chain.leader(4, other.id())).hasValue(2);
        assertThat(chain.leader(6, other.id())).hasValue(3);
        assertThat(chain.leader(4, b2.id())).hasValue(0);
        // A chain with no schedule for epoch 2 (epoch 1 has no block on it): the algorithm computes it from the chain.
        assertThat(chain.leader(8, other.id())).hasValue(0);
        assertThat(chain.leader(9, other.id())).hasValue(1);
        assertThat(seen.getLast().scheduleEpoch()).isEqualTo(2);
        assertThat(seen.getLast().seed()).isEqualTo(ScheduleChain.seed(other.parentQc()));
        // Unknown parent: undecided.
        assertThat(chain.leader(4, child(b2, 3, List.of()).id())).isEmpty();
        // The input carries the chain's certified history (the parent and its voters) and a seed from the parent QC.
        Block b4 = child(b2, 4, List.of());
        chain.expected(4, b2, certify(b2));
        ScheduleInput last = seen.getLast();
        assertThat(last.scheduleEpoch()).isEqualTo(2);
        assertThat(last.firstRound()).isEqualTo(7);
        assertThat(last.history()).extracting(ScheduleInput.HistoryEntry::round).containsExactly(1L, 2L);
        assertThat(last.history().getLast().voters()).containsExactly(0, 1, 2);
        assertThat(last.seed()).isEqualTo(ScheduleChain.seed(certify(b2))).hasSize(32);
        assertThat(b4.nextSchedule()).isEmpty();
    }

    @Test
    void anUndecidedOrMalformedAnswerIsAbstentionNeverASubstitute() {
        Block genesis = Block.genesis(1);
        ScheduleChain undecided = new ScheduleChain(new EpochConfig(3, in -> Optional.empty(), 2), VS, genesis);
        assertThat(undecided.leader(1, genesis.id())).isEmpty();
        assertThat(undecided.check(child(genesis, 1, List.of(0, 1, 2)), genesis)).isEqualTo(ScheduleChain.Check.UNDECIDED);
        ScheduleChain tooShort = new ScheduleChain(new EpochConfig(3, in -> Optional.of(List.of(0, 1)), 2), VS, genesis);
        assertThat(tooShort.leader(1, genesis.id())).isEmpty();
        ScheduleChain outsider = new ScheduleChain(new EpochConfig(3, in -> Optional.of(List.of(0, 1, 7)), 2), VS, genesis);
        assertThat(outsider.check(child(genesis, 1, List.of(0, 1, 7)), genesis)).isEqualTo(ScheduleChain.Check.UNDECIDED);
    }

    @Test
    void pruningBelowTheCommittedRootKeepsEveryAnswerAboveIt() {
        Block genesis = Block.genesis(1);
        ScheduleChain chain = new ScheduleChain(new EpochConfig(4, new RoundRobinElection(), 3), VS, genesis);
        List<Block> blocks = new ArrayList<>();
        Block parent = genesis;
        for (long r = 1; r <= 600; r++) {
            Block b = child(parent, r, chain.expected(r, parent, parent.isGenesis() ? QuorumCert.genesis(1, parent.id()) : certify(parent)).orElseThrow());
            assertThat(chain.check(b, parent)).isEqualTo(ScheduleChain.Check.OK);
            chain.inserted(b, parent);
            blocks.add(b);
            parent = b;
        }
        Block root = blocks.get(500);
        List<Integer> before = new ArrayList<>();
        for (int i = 500; i < 600; i++) {
            before.add(chain.leader(blocks.get(i).round() + 1, blocks.get(i).id()).orElseThrow());
        }
        chain.pruneBelow(root.id(), root.round());
        List<Integer> after = new ArrayList<>();
        for (int i = 500; i < 600; i++) {
            after.add(chain.leader(blocks.get(i).round() + 1, blocks.get(i).id()).orElseThrow());
        }
        assertThat(after).isEqualTo(before);
        assertThat(chain.leader(blocks.get(10).round() + 1, blocks.get(10).id())).as("pruned").isEmpty();
        // A new block on the root still gets its state.
        Block next = child(parent, 601, List.of());
        chain.inserted(next, parent);
        assertThat(chain.leader(602, next.id())).isPresent();
    }
}
