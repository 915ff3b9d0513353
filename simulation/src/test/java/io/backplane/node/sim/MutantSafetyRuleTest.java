package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.TimeoutCert;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The "known bug" self-check: a deliberately broken voting rule must be caught by the simulation, or the
 * simulation proves nothing. The mutant votes for any block in a round above its last vote, dropping the
 * condition that the block extends the previous round's QC or a TC with no higher QC (the 2-chain lock).
 */
class MutantSafetyRuleTest {
    /** The mutant: only "r &gt; last voted round" is checked. */
    static final class VotesWithoutTheLock extends SafetyRules {
        VotesWithoutTheLock(io.backplane.node.consensus.safety.ConsensusSigner signer, int self,
                            io.backplane.node.consensus.safety.CertificateVerifier certificates, io.backplane.node.consensus.safety.ApprovalObserver observer) {
            super(signer, self, certificates, observer);
        }

        @Override
        protected boolean safeToVote(Block block, TimeoutCert tc) {
            return block.round() > data().lastVotedRound();
        }
    }

    private static final int SEEDS = 100;

    @Test
    void theSimulationCatchesAVotingRuleWithoutTheLock() {
        // The fixed round-robin schedule: the mutant check predates schedule epochs and its seed list was tuned on it.
        SimConfig base = SimConfig.of(4, 1, 40, EnumSet.of(Fault.DROPS), 0).withLeaders(io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule::new);
        List<SimResult> mutant = SimulationTest.runSeeds(base.withSafetyRules(VotesWithoutTheLock::new), SEEDS, "mutant caught (expected): ");
        List<SimResult> correct = SimulationTest.runSeeds(base, SEEDS);
        assertThat(correct).as("the correct rules pass the same seeds").isEmpty();
        assertThat(mutant).as("seeds on which the mutant broke safety").isNotEmpty();
        assertThat(mutant).allSatisfy(r -> assertThat(r.safetyViolations()).isPositive());
        System.out.println("mutant caught on " + mutant.size() + " of " + SEEDS + " seeds, e.g. " + mutant.getFirst().describe());
    }
}
