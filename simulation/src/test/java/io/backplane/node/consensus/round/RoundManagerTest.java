package io.backplane.node.consensus.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.safety.InMemoryGuardedSigner;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.VoteMsg;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One round manager (validator 2 of 4) fed crafted, partly hostile messages. */
class RoundManagerTest {
    private static final int SELF = 2;
    private final SimulatedSignatures scheme = new SimulatedSignatures();
    private final SecretSigner[] keys = new SecretSigner[4];
    private final List<ConsensusMessage> sent = new ArrayList<>();
    private final List<ConsensusEvent> timers = new ArrayList<>();
    private final List<Block> committed = new ArrayList<>();
    private ValidatorSet validators;
    private RoundManager rm;
    private InMemoryGuardedSigner guard;
    private final InMemoryBlockStore store = new InMemoryBlockStore();
    private ProposalValidator.Verdict verdict = ProposalValidator.Verdict.ACCEPT;
    private OptionalInt forcedLeader = null;
    private CountingQuorumCrypto counting;

    @BeforeEach
    void setUp() {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            keys[i] = scheme.keyFromSeed(new byte[] {(byte) i, 1, 2, 3});
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        validators = new ValidatorSet(1, vs);
        guard = new InMemoryGuardedSigner(keys[SELF]);
        rm = build();
        rm.start();
    }

    /** Thrown by {@link #crashable} right after a signature: the node dies between signing and anything after it. */
    static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    private boolean crashAfterNextTimeout;
    private byte[] signedBeforeCrash;
    /** The guard, able to "crash" the node just after it released a timeout signature. */
    private final io.backplane.node.consensus.safety.ConsensusSigner crashable = new io.backplane.node.consensus.safety.ConsensusSigner() {
        @Override
        public byte[] publicKey() {
            return guard.publicKey();
        }

        @Override
        public byte[] sign(io.backplane.node.consensus.safety.SigningRequest r) throws io.backplane.node.consensus.safety.SigningRefusedException {
            byte[] sig = guard.sign(r);
            if (crashAfterNextTimeout && r.kind() == io.backplane.node.consensus.types.SigningKind.TIMEOUT) {
                crashAfterNextTimeout = false;
                signedBeforeCrash = sig;
                throw new Crash();
            }
            return sig;
        }

        @Override
        public java.util.Optional<byte[]> safetyData() {
            return guard.safetyData();
        }
    };

    private RoundManager build() {
        QuorumCrypto real = scheme.forValidators(validators);
        // The real scheme, with its single and batch checks counted (answers unchanged).
        QuorumCrypto crypto = counting = new CountingQuorumCrypto(real);
        RoundRobinLeaderSchedule rr = new RoundRobinLeaderSchedule(4);
        Outbound out = new Outbound() {
            @Override
            public void send(int to, ConsensusMessage m) {
                sent.add(m);
            }

            @Override
            public void broadcast(ConsensusMessage m) {
                sent.add(m);
            }
        };
        return RoundManager.builder(SELF, validators, crypto, new SafetyRules(crashable, SELF, new io.backplane.node.consensus.safety.CertificateVerifier(validators, crypto)))
                .leaders((e, r) -> forcedLeader != null ? forcedLeader : rr.leader(e, r))
                .proposalValidator(b -> verdict)
                .outbound(out)
                .timers((delay, ev) -> timers.add(ev))
                .clock(() -> 1000)
                .payloads(r -> new byte[] {1})
                .ledger(LedgerHandoff.direct((b, h) -> committed.add(b)))
                .blockStore(store)
                .config(new ConsensusConfig(1000, 3, 16, 64))
                .build();
    }

    private Block signed(int author, long round, QuorumCert parent, byte[] payload, SecretSigner key) {
        Block b = new Block(1, round, parent, payload, author, 500, new byte[0]);
        return b.withSignature(key.sign(SigningMessages.proposal(1, round, b.id())));
    }

    private Block round1(String payload) {
        return signed(1, 1, QuorumCert.genesis(1, Block.genesis(1).id()), payload.getBytes(), keys[1]);
    }

    private void deliver(int from, ConsensusMessage m) {
        rm.handle(new MessageReceived(from, m));
    }

    private Vote vote(int voter, Block b) {
        return new Vote(1, b.round(), b.id(), voter, keys[voter].sign(SigningMessages.vote(1, b.round(), b.id())));
    }

    @Test
    void votesForAValidProposalAndFormsAQcAsTheNextLeader() {
        Block b = round1("ok");
        deliver(1, new Proposal(b, null));
        assertThat(rm.counter("votes.cast")).isEqualTo(1);
        deliver(0, new VoteMsg(vote(0, b)));
        assertThat(rm.round()).isEqualTo(1);
        deliver(3, new VoteMsg(vote(3, b)));
        assertThat(rm.counter("qcs.formed")).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(2);
        assertThat(rm.counter("proposals.made")).as("validator 2 leads round 2").isEqualTo(1);
        assertThat(sent).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(Proposal.class, p -> assertThat(p.block().parentId()).isEqualTo(b.id())));
    }

    @Test
    void rejectsHostileProposalsAndCountsThem() {
        deliver(1, new Proposal(signed(1, 1, QuorumCert.genesis(1, Block.genesis(1).id()), "x".getBytes(), keys[3]), null));
        assertThat(rm.counter("rejected.bad-signature")).isEqualTo(1);
        deliver(3, new Proposal(signed(3, 1, QuorumCert.genesis(1, Block.genesis(1).id()), "x".getBytes(), keys[3]), null));
        assertThat(rm.counter("rejected.not-leader")).isEqualTo(1);
        deliver(1, new Proposal(round1("x".repeat(17)), null));
        assertThat(rm.counter("rejected.oversized-payload")).isEqualTo(1);
        QuorumCert forged = new QuorumCert(1, 4, BlockId.ZERO, new byte[] {0x0f}, new byte[32]);
        deliver(1, new Proposal(signed(1, 5, forged, "x".getBytes(), keys[1]), null));
        assertThat(rm.counter("rejected.bad-qc")).isEqualTo(1);
        assertThat(rm.counter("votes.cast")).isZero();
        assertThat(rm.round()).isEqualTo(1);
    }

    @Test
    void votesOnceWhenTheLeaderEquivocatesAndIgnoresReplays() {
        Block a = round1("a");
        deliver(1, new Proposal(a, null));
        deliver(1, new Proposal(a, null));
        deliver(1, new Proposal(round1("b"), null));
        assertThat(rm.counter("votes.cast")).isEqualTo(1);
        assertThat(rm.counter("ignored.duplicate-proposal")).isEqualTo(1);
        assertThat(rm.counter("rejected.equivocating-leader")).isEqualTo(1);
    }

    @Test
    void votesArrivingTogetherAreCheckedInOneBatchAndAForgeryRejectsOnlyItself() {
        Block b = round1("ok");
        deliver(1, new Proposal(b, null));
        counting.singleChecks.clear();
        Vote forged = new Vote(1, 1, b.id(), 1, keys[3].sign(SigningMessages.vote(1, 1, b.id())));
        Vote stale = new Vote(1, 1, b.id(), 9, keys[3].sign(SigningMessages.vote(1, 1, b.id())));
        rm.handleAll(List.of(new MessageReceived(1, new VoteMsg(forged)), new MessageReceived(3, new VoteMsg(stale)),
                new MessageReceived(0, new VoteMsg(vote(0, b))), new MessageReceived(3, new VoteMsg(vote(3, b)))));
        assertThat(counting.batches).as("one batch of the three votes worth checking").containsExactly(3);
        byte[] voteMessage = SigningMessages.vote(1, 1, b.id());
        assertThat(counting.singleChecks).as("no batched vote checked again alone").noneMatch(m -> java.util.Arrays.equals(m, voteMessage));
        assertThat(rm.counter("rejected.bad-signature")).isEqualTo(1);
        assertThat(rm.counter("rejected.wrong-epoch")).as("unknown voter 9").isEqualTo(1);
        assertThat(rm.counter("votes.verified")).isEqualTo(3); // our own vote, then 0 and 3
        assertThat(rm.counter("qcs.formed")).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(2);
        // One vote alone is checked alone.
        rm.handleAll(List.of(new MessageReceived(1, new VoteMsg(vote(1, b)))));
        assertThat(counting.batches).hasSize(1);
    }

    @Test
    void rejectsBadDuplicateAndEquivocatingVotes() {
        Block b = round1("ok");
        deliver(0, new VoteMsg(new Vote(1, 1, b.id(), 0, keys[3].sign(SigningMessages.vote(1, 1, b.id())))));
        assertThat(rm.counter("rejected.bad-signature")).isEqualTo(1);
        deliver(0, new VoteMsg(vote(0, b)));
        assertThat(rm.counter("votes.for-unknown-block")).isEqualTo(1);
        deliver(0, new VoteMsg(vote(0, b)));
        assertThat(rm.counter("ignored.duplicate-vote")).isEqualTo(1);
        deliver(0, new VoteMsg(vote(0, round1("other"))));
        assertThat(rm.counter("rejected.equivocating-vote")).isEqualTo(1);
        Block r5 = signed(1, 5, QuorumCert.genesis(1, Block.genesis(1).id()), new byte[0], keys[1]);
        deliver(3, new VoteMsg(vote(3, r5)));
        assertThat(rm.counter("rejected.vote-not-for-me")).as("leader of round 6 is validator 2? no: 6 mod 4 = 2").isZero();
        Block r2 = signed(1, 2, QuorumCert.genesis(1, Block.genesis(1).id()), new byte[0], keys[1]);
        deliver(3, new VoteMsg(vote(3, r2)));
        assertThat(rm.counter("rejected.vote-not-for-me")).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(1);
    }

    @Test
    void abstainsWhenAPluginCannotDecide() {
        verdict = ProposalValidator.Verdict.UNDECIDED;
        deliver(1, new Proposal(round1("ok"), null));
        assertThat(rm.counter("abstain.validator-undecided")).isEqualTo(1);
        verdict = ProposalValidator.Verdict.REJECT;
        forcedLeader = OptionalInt.empty();
        deliver(1, new Proposal(round1("ok2"), null));
        assertThat(rm.counter("abstain.leader-undecided")).isEqualTo(1);
        assertThat(rm.counter("votes.cast")).isZero();
    }

    @Test
    void aRestartedNodeKeepsItsBlocksAndResendsTheTimeoutItSigned() {
        Block b = round1("ok");
        deliver(1, new Proposal(b, null));
        rm.handle(timers.getLast());
        ConsensusMessage.Timeout first = (ConsensusMessage.Timeout) sent.stream().filter(m -> m instanceof ConsensusMessage.Timeout).findFirst().orElseThrow();
        // Crash: everything but the guard and the block store is gone.
        sent.clear();
        timers.clear();
        rm = build();
        rm.start();
        assertThat(rm.view().holdsBlock(b.id())).isTrue();
        assertThat(rm.round()).isEqualTo(1);
        deliver(1, new Proposal(b, null));
        assertThat(rm.counter("votes.cast")).as("already voted (and timed out) in round 1").isZero();
        rm.handle(timers.getLast());
        assertThat(rm.counter("timeout.refused")).isZero();
        assertThat(sent).filteredOn(m -> m instanceof ConsensusMessage.Timeout).singleElement()
                .satisfies(m -> assertThat(((ConsensusMessage.Timeout) m).timeout().signature()).isEqualTo(first.timeout().signature()));
    }

    @Test
    void survivesMutatedMessagesWithoutThrowing() {
        long seed = 0x5eed_b17e_f11dL;
        java.util.Random rnd = new java.util.Random(seed);
        Block b = round1("ok");
        QuorumCert g = QuorumCert.genesis(1, Block.genesis(1).id());
        List<byte[]> valid = List.of(
                new Proposal(b, null).toCanonicalBytes(),
                new VoteMsg(vote(0, b)).toCanonicalBytes(),
                new ConsensusMessage.Timeout(new io.backplane.node.consensus.types.TimeoutMsg(1, 1, g, null, 0,
                        keys[0].sign(SigningMessages.timeout(1, 1, 0)))).toCanonicalBytes(),
                new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(g, null)).toCanonicalBytes(),
                new ConsensusMessage.BlockRequest(b.id(), 64).toCanonicalBytes(),
                new ConsensusMessage.BlockResponse(List.of(b)).toCanonicalBytes());
        int delivered = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] m = valid.get(rnd.nextInt(valid.size())).clone();
            for (int flips = 1 + rnd.nextInt(3); flips > 0; flips--) {
                m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            ConsensusMessage decoded;
            try {
                decoded = ConsensusMessage.decode(m);
            } catch (io.backplane.codec.CodecException | IllegalArgumentException e) {
                continue; // the transport drops what does not decode
            }
            int from = rnd.nextInt(6) - 1; // includes senders outside the set
            try {
                deliver(from, decoded);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", message " + i + ": handle threw " + e, e);
            }
            delivered++;
        }
        assertThat(delivered).isGreaterThan(1000);
        assertThat(rm.counters().keySet()).anyMatch(k -> k.startsWith("rejected."));
        assertThat(rm.round()).isLessThan(10);
    }

    @Test
    void timesOutAndFormsATcFromAQuorumOfTimeouts() {
        ConsensusEvent timer = timers.getLast();
        rm.handle(timer);
        assertThat(rm.counter("timeouts.signed")).isEqualTo(1);
        QuorumCert g = QuorumCert.genesis(1, Block.genesis(1).id());
        for (int i : new int[] {0, 1}) {
            byte[] sig = keys[i].sign(SigningMessages.timeout(1, 1, 0));
            deliver(i, new ConsensusMessage.Timeout(new io.backplane.node.consensus.types.TimeoutMsg(1, 1, g, null, i, sig)));
        }
        assertThat(rm.counter("tcs.formed")).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(2);
        assertThat(rm.counter("proposals.made")).isEqualTo(1);
        Proposal p = (Proposal) sent.stream().filter(m -> m instanceof Proposal).findFirst().orElseThrow();
        assertThat(p.tc()).isNotNull();
        assertThat(p.tc().round()).isEqualTo(1);
    }

    // ---- issue 13: what a node stores, certificates it advances on, timeouts across a crash ---------------------------

    private QuorumCert qcFor(Block b, int... voters) {
        BitSet set = new BitSet();
        List<byte[]> sigs = new ArrayList<>();
        for (int v : voters) {
            set.set(v);
            sigs.add(keys[v].sign(SigningMessages.vote(1, b.round(), b.id())));
        }
        return new QuorumCert(1, b.round(), b.id(), io.backplane.node.consensus.types.Bitmaps.encode(set, 4), scheme.forValidators(validators).aggregate(sigs));
    }

    private io.backplane.node.consensus.types.TimeoutCert tcFor(long round, QuorumCert highQc, int... signers) {
        List<io.backplane.node.consensus.types.TimeoutCert.Entry> entries = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        for (int v : signers) {
            entries.add(new io.backplane.node.consensus.types.TimeoutCert.Entry(v, highQc.round()));
            sigs.add(keys[v].sign(SigningMessages.timeout(1, round, highQc.round())));
        }
        return new io.backplane.node.consensus.types.TimeoutCert(1, round, highQc, entries, scheme.forValidators(validators).aggregate(sigs));
    }

    private QuorumCert genesisQc() {
        return QuorumCert.genesis(1, Block.genesis(1).id());
    }

    @Test
    void storesNothingOfAProposalFarAheadUnjustifiedOrASecondOneFromTheSameLeader() {
        Block far = signed(1, 1_000_000_001L, genesisQc(), "far".getBytes(), keys[1]);
        deliver(1, new Proposal(far, null));
        assertThat(rm.counter("rejected.proposal-too-far-ahead")).isEqualTo(1);
        // Round 5 on the genesis QC, without a TC: nothing justifies it (validator 1 leads round 5 too).
        deliver(1, new Proposal(signed(1, 5, genesisQc(), "gap".getBytes(), keys[1]), null));
        assertThat(rm.counter("rejected.unjustified-round")).isEqualTo(1);
        // A flood of distinct blocks for the current round: only the first is stored.
        for (int k = 0; k < 50; k++) {
            deliver(1, new Proposal(round1("flood" + k), null));
        }
        assertThat(rm.counter("rejected.equivocating-leader")).isEqualTo(49);
        assertThat(store.blocks()).hasSize(1);
        assertThat(rm.view().holdsBlock(far.id())).isFalse();
        assertThat(rm.counter("votes.cast")).isEqualTo(1);
    }

    @Test
    void storesNoBlockItDidNotAskForFromABlockResponse() {
        Block a = round1("a");
        Block b = round1("b");
        deliver(1, new ConsensusMessage.BlockResponse(List.of(a, b)));
        assertThat(store.blocks()).isEmpty();
        assertThat(rm.counter("ignored.unrequested-block")).isEqualTo(2);
        // Once a QC points at a, a response carrying it (and b) stores a alone.
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcFor(a, 0, 1, 3), null)));
        assertThat(sent).anySatisfy(m -> assertThat(m).isInstanceOf(ConsensusMessage.BlockRequest.class));
        deliver(0, new ConsensusMessage.BlockResponse(List.of(a, b)));
        assertThat(store.blocks()).extracting(Block::id).contains(a.id()).doesNotContain(b.id());
    }

    @Test
    void doesNotEnterTheNextRoundOnAQcWhoseBlockItLacksUntilTheBlockArrives() {
        Block a = round1("a");
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcFor(a, 0, 1, 3), null)));
        assertThat(rm.round()).as("block of the QC missing: still round 1, still timing out").isEqualTo(1);
        assertThat(rm.counter("sync.qc-for-missing-block")).isEqualTo(1);
        rm.handle(timers.getLast());
        assertThat(rm.counter("timeouts.signed")).isEqualTo(1);
        deliver(0, new ConsensusMessage.BlockResponse(List.of(a)));
        assertThat(rm.round()).isEqualTo(2);
        assertThat(rm.highQc().blockId()).isEqualTo(a.id());
        assertThat(rm.counter("proposals.made")).as("validator 2 leads round 2 and now holds the block it extends").isEqualTo(1);
    }

    @Test
    void aTcWhoseReportedHighQcRoundNoQcBacksIsRejected() {
        Block a = round1("a");
        deliver(1, new Proposal(a, null));
        QuorumCert qcA = qcFor(a, 0, 1, 3);
        // Entries report round 1 for validators 0 and 1, but validator 3 (Byzantine) claims round 2 and the TC carries the round-1 QC.
        List<io.backplane.node.consensus.types.TimeoutCert.Entry> entries = List.of(new io.backplane.node.consensus.types.TimeoutCert.Entry(0, 1),
                new io.backplane.node.consensus.types.TimeoutCert.Entry(1, 1), new io.backplane.node.consensus.types.TimeoutCert.Entry(3, 2));
        byte[] agg = scheme.forValidators(validators).aggregate(List.of(keys[0].sign(SigningMessages.timeout(1, 3, 1)),
                keys[1].sign(SigningMessages.timeout(1, 3, 1)), keys[3].sign(SigningMessages.timeout(1, 3, 2))));
        io.backplane.node.consensus.types.TimeoutCert invented = new io.backplane.node.consensus.types.TimeoutCert(1, 3, qcA, entries, agg);
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcA, invented)));
        assertThat(rm.counter("rejected.bad-qc")).isEqualTo(1);
        assertThat(rm.round()).as("the invented TC did not move the node").isEqualTo(1);
        // The genuine TC of round 3, carrying the round-1 QC, moves it to round 4.
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcA, tcFor(3, qcA, 0, 1, 3))));
        assertThat(rm.round()).isEqualTo(4);
        assertThat(rm.view().highTc().highQc()).isEqualTo(qcA);
    }

    @Test
    void aTcFormedHereCarriesTheHighestQcOfItsTimeouts() {
        Block a = round1("a");
        deliver(1, new Proposal(a, null));
        QuorumCert qcA = qcFor(a, 0, 1, 3);
        // Round 2 entered through a's QC (delivered with a's block present); then everyone times out of round 2.
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcA, null)));
        assertThat(rm.round()).isEqualTo(2);
        rm.handle(timers.getLast());
        QuorumCert g = genesisQc();
        deliver(0, new ConsensusMessage.Timeout(new io.backplane.node.consensus.types.TimeoutMsg(1, 2, g, null, 0, keys[0].sign(SigningMessages.timeout(1, 2, 0)))));
        deliver(1, new ConsensusMessage.Timeout(new io.backplane.node.consensus.types.TimeoutMsg(1, 2, qcA, null, 1, keys[1].sign(SigningMessages.timeout(1, 2, 1)))));
        assertThat(rm.counter("tcs.formed")).isEqualTo(1);
        assertThat(rm.view().highTc().highQc()).isEqualTo(qcA);
        assertThat(rm.view().highTc().maxHighQcRound()).isEqualTo(1);
    }

    @Test
    void aNodeThatCrashedRightAfterSigningItsTimeoutSignsTheSameTimeoutAfterRestartEvenWithAHigherQc() {
        Block a = round1("a");
        QuorumCert g = genesisQc();
        // Round 3 through a TC of round 2 whose signers all report the genesis QC.
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(g, tcFor(2, g, 0, 1, 3))));
        assertThat(rm.round()).isEqualTo(3);
        crashAfterNextTimeout = true;
        try {
            rm.handle(timers.getLast());
            throw new AssertionError("expected the simulated crash");
        } catch (Crash expected) {
            // the node died after the guard released its timeout (3, high QC 0)
        }
        sent.clear();
        timers.clear();
        rm = build();
        rm.start();
        assertThat(rm.round()).isEqualTo(3);
        // After the restart it learns a round-1 QC (and fetches its block): its high QC is now 1, its round still 3.
        deliver(0, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qcFor(a, 0, 1, 3), null)));
        deliver(0, new ConsensusMessage.BlockResponse(List.of(a)));
        assertThat(rm.highQc().round()).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(3);
        rm.handle(timers.getLast());
        assertThat(rm.counter("timeout.refused")).as("a timeout reporting QC 1 would be refused by the guard").isZero();
        assertThat(sent).filteredOn(m -> m instanceof ConsensusMessage.Timeout).first()
                .satisfies(m -> assertThat(((ConsensusMessage.Timeout) m).timeout().signature()).isEqualTo(signedBeforeCrash));
    }
}
