package io.backplane.node.consensus.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The voting and timeout rules of validator 0 of 4, over genuine (simulated-signature) certificates and forged ones. */
class SafetyRulesTest {
    private final SimulatedSignatures scheme = new SimulatedSignatures();
    private final SecretSigner[] keys = new SecretSigner[4];
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final SecretSigner key;

    SafetyRulesTest() {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            keys[i] = scheme.keyFromSeed(new byte[] {(byte) i, 9});
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        validators = new ValidatorSet(1, vs);
        crypto = scheme.forValidators(validators);
        key = keys[0];
    }

    static BlockId id(long round) {
        byte[] id = new byte[32];
        id[0] = (byte) round;
        id[1] = 0x42;
        return BlockId.of(id);
    }

    /** A genuine QC for block id(round) signed by {@code signers} (default 0, 1, 2); round 0 is the genesis QC. */
    QuorumCert qc(long round, int... signers) {
        if (round == 0) {
            return QuorumCert.genesis(1, Block.genesis(1).id());
        }
        int[] who = signers.length == 0 ? new int[] {0, 1, 2} : signers;
        BitSet set = new BitSet();
        List<byte[]> sigs = new ArrayList<>();
        for (int i : who) {
            set.set(i);
            sigs.add(keys[i].sign(SigningMessages.vote(1, round, id(round))));
        }
        return new QuorumCert(1, round, id(round), Bitmaps.encode(set, 4), crypto.aggregate(sigs));
    }

    static Block block(long round, QuorumCert parent, String payload) {
        return new Block(1, round, parent, payload.getBytes(), 0, 0, new byte[0]);
    }

    /** A genuine TC of {@code round}: validator i reports hqcRounds[i]; it carries the QC of the highest one. */
    TimeoutCert tc(long round, long... hqcRounds) {
        List<TimeoutCert.Entry> entries = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        long max = 0;
        for (int i = 0; i < hqcRounds.length; i++) {
            entries.add(new TimeoutCert.Entry(i, hqcRounds[i]));
            sigs.add(keys[i].sign(SigningMessages.timeout(1, round, hqcRounds[i])));
            max = Math.max(max, hqcRounds[i]);
        }
        return new TimeoutCert(1, round, qc(max), entries, crypto.aggregate(sigs));
    }

    SafetyRules rules(ConsensusSigner signer) {
        return new SafetyRules(signer, 0, new CertificateVerifier(validators, crypto));
    }

    SafetyRules rules() {
        return rules(new InMemoryGuardedSigner(key));
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
    void aPassThroughGuardRefusesNothingButKeepsTheSafetyData() throws Exception {
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key, true);
        guard.sign(new SigningRequest(1, 5, SigningKind.VOTE, "a".getBytes(), new byte[] {1}));
        guard.sign(new SigningRequest(1, 5, SigningKind.VOTE, "b".getBytes(), new byte[] {2}));
        guard.sign(new SigningRequest(1, 4, SigningKind.VOTE, "c".getBytes(), new byte[] {3}));
        assertThat(guard.refusals()).isZero();
        assertThat(guard.signatures()).isEqualTo(3);
        assertThat(guard.safetyData()).contains(new byte[] {3});
    }

    @Test
    void shouldVoteOnlyForTheRoundAfterTheParentQcOrAJustifiedTc() {
        SafetyRules rules = rules();
        assertThat(rules.vote(block(3, qc(1), "x"), null)).as("gap without TC").isEmpty();
        assertThat(rules.vote(block(3, qc(0), "x"), tc(2, 0, 1, 0))).as("TC reports a higher QC than the parent").isEmpty();
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.vote(block(5, qc(2), "y"), tc(4, 2, 1, 2))).as("TC justifies, parent QC >= max high QC").isPresent();
    }

    @Test
    void shouldRefuseSecondVoteInSameRound() {
        SafetyRules rules = rules();
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.vote(block(3, qc(2), "other"), null)).isEmpty();
        assertThat(rules.vote(block(2, qc(1), "older"), null)).isEmpty();
    }

    @Test
    void theRulesNotOnlyTheGuardRefuseASecondVoteInARound() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.vote(block(3, qc(2), "other"), null)).as("a pass-through guard would sign it").isEmpty();
    }

    @Test
    void shouldNotVoteInARoundItTimedOutOf() {
        SafetyRules rules = rules();
        Optional<TimeoutMsg> t = rules.timeout(3, qc(2), null);
        assertThat(t).isPresent();
        assertThat(rules.data().lastVotedRound()).isEqualTo(3);
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isEmpty();
        // Timing out again in the same round returns the very same signature.
        assertThat(rules.timeout(3, qc(2), null).orElseThrow().signature()).isEqualTo(t.get().signature());
    }

    @Test
    void aRepeatedTimeoutInTheSameRoundIsCheckedAgainstTheRules() {
        // The guard passes everything through: only the rules stand between the key and a weaker second timeout.
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        assertThat(rules.timeout(3, qc(2), null)).isPresent();
        assertThat(rules.timeout(3, qc(1), tc(2, 1, 1, 1))).as("a second timeout of round 3 reporting a lower high QC").isEmpty();
        assertThat(rules.timeout(3, qc(2), null)).as("the same timeout again").isPresent();
    }

    @Test
    void timeoutRuleNeedsTheHighestQcAndAJustifiedRound() {
        SafetyRules rules = rules();
        rules.observeQc(qc(4));
        assertThat(rules.timeout(5, qc(3), tc(4, 3, 3, 3))).as("reports a QC lower than one seen").isEmpty();
        assertThat(rules.timeout(7, qc(4), null)).as("round 7 not justified by QC 4").isEmpty();
        assertThat(rules.timeout(7, qc(4), tc(6, 4, 4, 4))).isPresent();
        assertThat(rules.vote(block(7, qc(4), "x"), tc(6, 4, 4, 4))).as("timed out of 7").isEmpty();
    }

    @Test
    void restartRestoresTheVotingStateFromTheGuard() {
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key);
        SafetyRules before = rules(guard);
        assertThat(before.vote(block(6, qc(5), "x"), null)).isPresent();
        SafetyRules after = rules(guard);
        assertThat(after.data().lastVotedRound()).isEqualTo(6);
        assertThat(after.data().preferredRound()).isEqualTo(5);
        assertThat(after.vote(block(6, qc(5), "other"), null)).as("the vote survived the crash").isEmpty();
        assertThat(after.timeout(7, qc(1), tc(6, 1, 1, 1))).as("may not report a QC lower than one it built on").isEmpty();
    }

    // ---- the rules verify the certificates they are handed (Aptos safety-rules) ------------------------------------

    @Test
    void refusesToVoteOnAParentQcThatIsNotAQuorumsOrDoesNotVerify() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        QuorumCert good = qc(2);
        assertThat(rules.vote(block(3, qc(2, 0, 1), "x"), null)).as("2 of 4 signers: one short of a quorum").isEmpty();
        assertThat(rules.vote(block(3, new QuorumCert(1, 2, good.blockId(), good.signers(), qc(2, 0, 1, 3).signature()), "x"), null))
                .as("signers' bitmap and aggregate disagree").isEmpty();
        assertThat(rules.vote(block(3, new QuorumCert(1, 2, id(9), good.signers(), good.signature()), "x"), null))
                .as("a genuine aggregate relabelled for another block").isEmpty();
        assertThat(rules.vote(block(3, new QuorumCert(2, 2, good.blockId(), good.signers(), good.signature()), "x"), null))
                .as("another epoch").isEmpty();
        assertThat(rules.vote(block(3, new QuorumCert(1, 2, good.blockId(), new byte[] {(byte) 0xf7}, good.signature()), "x"), null))
                .as("out-of-set signers").isEmpty();
        assertThat(rules.vote(block(1, new QuorumCert(1, 0, good.blockId(), new byte[0], new byte[0]), "x"), null))
                .as("a fake genesis QC (round 1 on it would otherwise be fine)").isEmpty();
        assertThat(rules.data().lastVotedRound()).isZero();
        assertThat(rules.vote(block(3, good, "x"), null)).isPresent();
    }

    @Test
    void refusesATcThatIsNotAQuorumsOrWhoseHighestQcIsInventedOrMissing() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        TimeoutCert good = tc(4, 2, 1, 2);
        TimeoutCert short2 = new TimeoutCert(1, 4, qc(2), good.entries().subList(0, 2),
                crypto.aggregate(List.of(keys[0].sign(SigningMessages.timeout(1, 4, 2)), keys[1].sign(SigningMessages.timeout(1, 4, 1)))));
        assertThat(rules.vote(block(5, qc(2), "y"), short2)).as("2 of 4 signers").isEmpty();
        // Validator 2 (Byzantine) reports round 3, which no QC backs; the TC carries the round-2 QC: refused.
        List<TimeoutCert.Entry> invented = List.of(new TimeoutCert.Entry(0, 2), new TimeoutCert.Entry(1, 1), new TimeoutCert.Entry(2, 3));
        byte[] agg = crypto.aggregate(List.of(keys[0].sign(SigningMessages.timeout(1, 4, 2)), keys[1].sign(SigningMessages.timeout(1, 4, 1)),
                keys[2].sign(SigningMessages.timeout(1, 4, 3))));
        assertThat(rules.timeout(5, qc(2), new TimeoutCert(1, 4, qc(2), invented, agg))).as("invented high-QC round 3").isEmpty();
        assertThat(rules.vote(block(5, qc(2), "y"), new TimeoutCert(1, 4, qc(2, 0, 1), good.entries(), good.signature())))
                .as("the carried QC is not a quorum's").isEmpty();
        assertThat(rules.vote(block(5, qc(2), "y"), new TimeoutCert(1, 4, good.highQc(), good.entries(), agg))).as("aggregate does not match").isEmpty();
        assertThat(rules.vote(block(5, qc(2), "y"), good)).isPresent();
    }

    @Test
    void refusesToTimeOutReportingAForgedHighQc() {
        SafetyRules rules = rules();
        assertThat(rules.timeout(3, qc(2, 0, 3), null)).isEmpty();
        assertThat(rules.timeout(3, qc(2), null)).isPresent();
    }

    @Test
    void aForgedQcDoesNotRaiseThePreferredRound() {
        SafetyRules rules = rules();
        rules.observeQc(qc(9, 1, 2));
        assertThat(rules.data().preferredRound()).isZero();
        rules.observeQc(qc(9));
        assertThat(rules.data().preferredRound()).isEqualTo(9);
    }

    @Test
    void signsAProposalOnlyOnAGenuineQcAndNotForARoundItVotedIn() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        assertThat(rules.signProposal(block(3, qc(2, 1, 2), "p"))).as("forged parent QC").isEmpty();
        assertThat(rules.signProposal(block(3, qc(2), "p"))).isPresent();
        assertThat(rules.vote(block(3, qc(2), "p"), null)).isPresent();
        assertThat(rules.signProposal(block(3, qc(2), "second"))).as("not again in a round it voted in").isEmpty();
        // A leader that crashed after proposing, before voting: the restarted rules remember the proposal.
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(keys[1], true);
        assertThat(rules(guard).signProposal(block(4, qc(3), "p"))).isPresent();
        SafetyRules restarted = rules(guard);
        assertThat(restarted.data().lastProposedRound()).isEqualTo(4);
        assertThat(restarted.signProposal(block(4, qc(3), "other"))).as("a second block for round 4").isEmpty();
        assertThat(restarted.signProposal(block(5, qc(4), "next"))).isPresent();
    }

    @Test
    void theVerifierCachesOnlyWhatVerifiedAndChecksEachCertificateOnce() {
        CertificateVerifier v = new CertificateVerifier(validators, crypto);
        QuorumCert good = qc(2);
        assertThat(v.verifyQc(good)).isTrue();
        assertThat(v.verifyQc(good)).isTrue();
        assertThat(v.checks()).isEqualTo(1);
        QuorumCert bad = new QuorumCert(1, 2, good.blockId(), good.signers(), qc(2, 0, 1, 3).signature());
        assertThat(v.verifyQc(bad)).isFalse();
        assertThat(v.verifyQc(bad)).isFalse();
        assertThat(v.checks()).as("a failure is checked again, never cached as good").isEqualTo(3);
        TimeoutCert t = tc(4, 2, 1, 2);
        assertThat(v.verifyTc(t)).isTrue();
        assertThat(v.checks()).as("the TC's aggregate; the QC it carries (qc(2)) is cached already").isEqualTo(4);
        assertThat(v.verifyTc(t)).isTrue();
        assertThat(v.checks()).isEqualTo(4);
        assertThat(v.verifyQc(null)).isFalse();
        assertThat(v.verifyTc(null)).isFalse();
        assertThat(v.verifyTc(new TimeoutCert(2, 4, t.highQc(), t.entries(), t.signature()))).as("another epoch").isFalse();
        assertThat(v.verifyTc(new TimeoutCert(1, 4, t.highQc(), List.of(), t.signature()))).as("no signers").isFalse();
        assertThat(v.checks()).as("refused before any signature check").isEqualTo(4);
        // An entry may not report a high QC of the TC's own round.
        TimeoutCert sameRound = new TimeoutCert(1, 4, qc(4), List.of(new TimeoutCert.Entry(0, 4), new TimeoutCert.Entry(1, 4), new TimeoutCert.Entry(2, 4)),
                crypto.aggregate(List.of(keys[0].sign(SigningMessages.timeout(1, 4, 4)), keys[1].sign(SigningMessages.timeout(1, 4, 4)),
                        keys[2].sign(SigningMessages.timeout(1, 4, 4)))));
        assertThat(v.verifyTc(sameRound)).isFalse();
        assertThat(v.verifyTc(new TimeoutCert(1, 4, t.highQc(), List.of(new TimeoutCert.Entry(0, 2), new TimeoutCert.Entry(1, 1),
                new TimeoutCert.Entry(7, 2)), t.signature()))).as("a signer outside the set").isFalse();
    }

    @Test
    void safetyDataOfAnotherEpochIsNotRestored() throws Exception {
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key);
        guard.sign(new SigningRequest(2, 9, SigningKind.VOTE, "v".getBytes(), new SafetyData(2, 9, 9, 9, 9).encode()));
        SafetyRules rules = rules(guard);
        assertThat(rules.data()).isEqualTo(new SafetyData(1, 0, 0, 0, 0));
    }

    @Test
    void refusesToTimeOutOfARoundBelowTheLastVote() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        assertThat(rules.vote(block(5, qc(4), "x"), null)).isPresent();
        assertThat(rules.timeout(4, qc(2), tc(3, 2, 2, 2))).as("round 4 = last voted - 1").isEmpty();
        assertThat(rules.timeout(5, qc(4), null)).as("the round it voted in").isPresent();
    }

    @Test
    void refusesToTimeOutOfTheRoundOfItsOwnHighQc() {
        // Round 2 "justified" by a TC of round 1, while reporting a QC of round 2 itself: r must exceed q.
        assertThat(rules(new InMemoryGuardedSigner(key, true)).timeout(2, qc(2), tc(1, 0, 0, 0))).isEmpty();
    }

    @Test
    void refusesToProposeInARoundItVotedInEvenWithoutHavingProposed() {
        SafetyRules rules = rules(new InMemoryGuardedSigner(key, true));
        assertThat(rules.vote(block(3, qc(2), "x"), null)).isPresent();
        assertThat(rules.data().lastProposedRound()).isZero();
        assertThat(rules.signProposal(block(3, qc(2), "mine"))).isEmpty();
        assertThat(rules.signProposal(block(4, qc(3), "mine"))).isPresent();
    }

    @Test
    void theObserverHearsEveryApprovalBeforeTheSignerAndNothingElse() {
        List<String> heard = new ArrayList<>();
        List<String> order = new ArrayList<>();
        ApprovalObserver observer = new ApprovalObserver() {
            @Override
            public void approvedProposal(Block unsigned) {
                heard.add("proposal " + unsigned.round());
                order.add("approved");
            }

            @Override
            public void approvedVote(Block block, TimeoutCert tc) {
                heard.add("vote " + block.round());
                order.add("approved");
            }

            @Override
            public void approvedTimeout(long epoch, long round, QuorumCert highQc, TimeoutCert tc) {
                heard.add("timeout " + round + "/" + highQc.round());
                order.add("approved");
            }
        };
        InMemoryGuardedSigner guard = new InMemoryGuardedSigner(key);
        ConsensusSigner signer = new ConsensusSigner() {
            @Override
            public byte[] publicKey() {
                return guard.publicKey();
            }

            @Override
            public byte[] sign(SigningRequest r) throws SigningRefusedException {
                order.add("signed");
                return guard.sign(r);
            }

            @Override
            public Optional<byte[]> safetyData() {
                return guard.safetyData();
            }
        };
        SafetyRules rules = new SafetyRules(signer, 0, new CertificateVerifier(validators, crypto), observer);
        rules.signProposal(block(3, qc(2), "p"));
        rules.vote(block(3, qc(2), "p"), null);
        rules.vote(block(3, qc(2), "other"), null);
        rules.timeout(4, qc(3), null);
        assertThat(heard).containsExactly("proposal 3", "vote 3", "timeout 4/3");
        assertThat(order).containsExactly("approved", "signed", "approved", "signed", "approved", "signed");
    }
}
