package io.backplane.node.consensus.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SafetyRulesTest {
    private final SecretSigner key = new SimulatedSignatures().keyFromSeed(new byte[32]);

    static QuorumCert qc(long round) {
        byte[] id = new byte[32];
        id[0] = (byte) round;
        return new QuorumCert(1, round, BlockId.of(id), new byte[] {0x07}, new byte[] {1});
    }

    static Block block(long round, QuorumCert parent, String payload) {
        return new Block(1, round, parent, payload.getBytes(), 0, 0, new byte[0]);
    }

    static TimeoutCert tc(long round, long... hqcRounds) {
        List<TimeoutCert.Entry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < hqcRounds.length; i++) {
            entries.add(new TimeoutCert.Entry(i, hqcRounds[i]));
        }
        return new TimeoutCert(1, round, entries, new byte[] {1});
    }

    @Test
    void guardRefusesASecondDifferentSignatureAndRepeatsTheSameOne() throws Exception {
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key);
        byte[] s1 = guard.sign(new SigningRequest(1, 5, SigningKind.VOTE, "a".getBytes(), new byte[0]));
        assertThat(guard.sign(new SigningRequest(1, 5, SigningKind.VOTE, "a".getBytes(), new byte[0]))).isEqualTo(s1);
        assertThatThrownBy(() -> guard.sign(new SigningRequest(1, 5, SigningKind.VOTE, "b".getBytes(), new byte[0])))
                .isInstanceOf(SigningRefusedException.class).hasMessageContaining("round 5");
        assertThatThrownBy(() -> guard.sign(new SigningRequest(1, 4, SigningKind.VOTE, "c".getBytes(), new byte[0])))
                .isInstanceOf(SigningRefusedException.class);
        // Other kinds have their own watermark; a later round is fine.
        guard.sign(new SigningRequest(1, 5, SigningKind.TIMEOUT, "t".getBytes(), new byte[0]));
        guard.sign(new SigningRequest(1, 6, SigningKind.VOTE, "d".getBytes(), new byte[] {9}));
        assertThat(guard.safetyData()).contains(new byte[] {9});
        assertThat(guard.refusals()).isEqualTo(2);
    }

    @Test
    void shouldVoteOnlyForTheRoundAfterTheParentQcOrAJustifiedTc() {
        SafetyRules rules = new SafetyRules(new InMemoryGuardedSigner(key), 0, 1);
        assertThat(rules.vote(block(3, qc(1), "x"), null)).as("gap without TC").isEmpty();
        assertThat(rules.vote(block(3, qc(1), "x"), tc(2, 1, 2, 1))).as("TC reports a higher QC than the parent").isEmpty();
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.vote(block(5, qc(2), "y"), tc(4, 2, 1, 2))).as("TC justifies, parent QC >= max high QC").isPresent();
    }

    @Test
    void shouldRefuseSecondVoteInSameRound() {
        SafetyRules rules = new SafetyRules(new InMemoryGuardedSigner(key), 0, 1);
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.vote(block(3, qc(2), "other"), null)).isEmpty();
        assertThat(rules.vote(block(2, qc(1), "older"), null)).isEmpty();
    }

    @Test
    void shouldNotVoteInARoundItTimedOutOf() {
        SafetyRules rules = new SafetyRules(new InMemoryGuardedSigner(key), 0, 1);
        Optional<TimeoutMsg> t = rules.timeout(3, qc(2), null);
        assertThat(t).isPresent();
        assertThat(rules.data().lastVotedRound()).isEqualTo(3);
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isEmpty();
        // Timing out again in the same round returns the very same signature.
        assertThat(rules.timeout(3, qc(2), null).orElseThrow().signature()).isEqualTo(t.get().signature());
    }

    @Test
    void timeoutRuleNeedsTheHighestQcAndAJustifiedRound() {
        SafetyRules rules = new SafetyRules(new InMemoryGuardedSigner(key), 0, 1);
        rules.observeQc(qc(4));
        assertThat(rules.timeout(5, qc(3), tc(4, 3, 3, 3))).as("reports a QC lower than one seen").isEmpty();
        assertThat(rules.timeout(7, qc(4), null)).as("round 7 not justified by QC 4").isEmpty();
        assertThat(rules.timeout(7, qc(4), tc(6, 4, 4, 4))).isPresent();
        assertThat(rules.vote(block(7, qc(4), "x"), tc(6, 4, 4, 4))).as("timed out of 7").isEmpty();
    }

    @Test
    void restartRestoresTheVotingStateFromTheGuard() {
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key);
        SafetyRules before = new SafetyRules(guard, 0, 1);
        assertThat(before.vote(block(6, qc(5), "x"), null)).isPresent();
        SafetyRules after = new SafetyRules(guard, 0, 1);
        assertThat(after.data().lastVotedRound()).isEqualTo(6);
        assertThat(after.data().preferredRound()).isEqualTo(5);
        assertThat(after.vote(block(6, qc(5), "other"), null)).as("the vote survived the crash").isEmpty();
        assertThat(after.timeout(7, qc(1), tc(6, 1, 1, 1))).as("may not report a QC lower than one it built on").isEmpty();
    }
}
