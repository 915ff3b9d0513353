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
    private final List<byte[]> singleChecks = new ArrayList<>();
    private final List<Integer> batchChecks = new ArrayList<>();

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

    private RoundManager build() {
        QuorumCrypto real = scheme.forValidators(validators);
        // The real scheme, with its single and batch checks counted (answers unchanged).
        QuorumCrypto crypto = new QuorumCrypto() {
            @Override
            public boolean verify(int signer, byte[] message, byte[] signature) {
                singleChecks.add(message);
                return real.verify(signer, message, signature);
            }

            @Override
            public boolean[] verifyEach(int[] signers, List<byte[]> messages, List<byte[]> signatures) {
                batchChecks.add(signers.length);
                boolean[] out = new boolean[signers.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = real.verify(signers[i], messages.get(i), signatures.get(i));
                }
                return out;
            }

            @Override
            public byte[] aggregate(List<byte[]> signatures) {
                return real.aggregate(signatures);
            }

            @Override
            public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
                return real.verifyAggregate(signers, message, aggregate);
            }

            @Override
            public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
                return real.verifyAggregateDistinct(signers, messages, aggregate);
            }
        };
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
        return new RoundManager(SELF, validators, crypto, new SafetyRules(guard, SELF, new io.backplane.node.consensus.safety.CertificateVerifier(validators, crypto)),
                (e, r) -> forcedLeader != null ? forcedLeader : rr.leader(e, r), b -> verdict, out,
                (delay, ev) -> timers.add(ev), () -> 1000, r -> new byte[] {1}, (b, h) -> committed.add(b), store,
                new ConsensusConfig(1000, 3, 16, 64));
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
        singleChecks.clear();
        Vote forged = new Vote(1, 1, b.id(), 1, keys[3].sign(SigningMessages.vote(1, 1, b.id())));
        Vote stale = new Vote(1, 1, b.id(), 9, keys[3].sign(SigningMessages.vote(1, 1, b.id())));
        rm.handleAll(List.of(new MessageReceived(1, new VoteMsg(forged)), new MessageReceived(3, new VoteMsg(stale)),
                new MessageReceived(0, new VoteMsg(vote(0, b))), new MessageReceived(3, new VoteMsg(vote(3, b)))));
        assertThat(batchChecks).as("one batch of the three votes worth checking").containsExactly(3);
        byte[] voteMessage = SigningMessages.vote(1, 1, b.id());
        assertThat(singleChecks).as("no batched vote checked again alone").noneMatch(m -> java.util.Arrays.equals(m, voteMessage));
        assertThat(rm.counter("rejected.bad-signature")).isEqualTo(1);
        assertThat(rm.counter("rejected.wrong-epoch")).as("unknown voter 9").isEqualTo(1);
        assertThat(rm.counter("votes.verified")).isEqualTo(3); // our own vote, then 0 and 3
        assertThat(rm.counter("qcs.formed")).isEqualTo(1);
        assertThat(rm.round()).isEqualTo(2);
        // One vote alone is checked alone.
        rm.handleAll(List.of(new MessageReceived(1, new VoteMsg(vote(1, b)))));
        assertThat(batchChecks).hasSize(1);
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
        assertThat(rm.blockTree().contains(b.id())).isTrue();
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
}
