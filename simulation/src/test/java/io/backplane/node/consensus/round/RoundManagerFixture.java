package io.backplane.node.consensus.round;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.round.ConsensusEvent.RoundTimeout;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.InMemoryGuardedSigner;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * One round manager of a four-validator set (epoch 1, round-robin leaders: round r is led by r mod 4), built through
 * {@link RoundManager#builder}, with every outside interface recorded: messages with their destination, timers with their
 * delay, the metrics it reports, the blocks its (bounded, test-driven) ledger hand-off takes, and a guard that can be
 * told to refuse a kind of signature. The other validators' keys sign the crafted input.
 */
final class RoundManagerFixture {
    static final int N = 4;
    /** Destination of a broadcast in {@link #sent}. */
    static final int BROADCAST = -1;

    record Sent(int to, ConsensusMessage message) {
    }

    record Timer(long delayMs, RoundTimeout event) {
    }

    record Committed(Block block, long height) {
    }

    /** The external metrics sink: what the node's Prometheus mapping or the simulation's JSON would receive. */
    static final class RecordingMetrics implements ConsensusMetrics {
        final Map<ConsensusCounter, Long> counts = new HashMap<>();
        final List<Long> roundsByQc = new ArrayList<>();
        final List<Long> roundsByTc = new ArrayList<>();
        final List<Committed> committed = new ArrayList<>();

        @Override
        public void count(ConsensusCounter counter, long n) {
            counts.merge(counter, n, Long::sum);
        }

        @Override
        public void roundEntered(long round, boolean byQc) {
            (byQc ? roundsByQc : roundsByTc).add(round);
        }

        @Override
        public void committed(Block block, long height) {
            committed.add(new Committed(block, height));
        }
    }

    /** A ledger hand-off whose capacity the test sets (the executor thread of a node, driven by hand). */
    static final class TestLedger implements LedgerHandoff {
        int capacity = Integer.MAX_VALUE;
        long executedBefore;
        final List<Committed> accepted = new ArrayList<>();

        @Override
        public long acceptedHeight() {
            return executedBefore + accepted.size();
        }

        @Override
        public int remainingCapacity() {
            return capacity;
        }

        @Override
        public void accept(Block block, long height) {
            accepted.add(new Committed(block, height));
            if (capacity != Integer.MAX_VALUE) {
                capacity--;
            }
        }
    }

    final int self;
    final SimulatedSignatures scheme = new SimulatedSignatures();
    final SecretSigner[] keys = new SecretSigner[N];
    final ValidatorSet validators;
    final CountingQuorumCrypto crypto;
    final InMemoryGuardedSigner guard;
    final Set<SigningKind> refused = EnumSet.noneOf(SigningKind.class);
    final List<SigningKind> signRequests = new ArrayList<>();
    /** Batch sizes of the vote signature checks done in one call. */
    final List<Integer> batches;
    /** When set, the next timeout signature is released and then the node "crashes" (an exception out of handle). */
    boolean crashAfterNextTimeout;
    final List<Sent> sent = new ArrayList<>();
    final List<Timer> timers = new ArrayList<>();
    final RecordingMetrics metrics = new RecordingMetrics();
    final TestLedger ledger = new TestLedger();
    BlockStore store = new InMemoryBlockStore();
    ProposalValidator.Verdict verdict = ProposalValidator.Verdict.ACCEPT;
    /** The leader of a round (default: round mod 4). */
    LongFunction<OptionalInt> leaders = r -> OptionalInt.of((int) (r % N));
    /** When set, leaders come from schedules committed on chain ({@link LeaderSource#committed}) instead of {@link #leaders}. */
    EpochConfig epochs;
    RoundManager rm;

    RoundManagerFixture(int self) {
        this.self = self;
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            keys[i] = scheme.keyFromSeed(new byte[] {(byte) i, 1, 2, 3});
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        validators = new ValidatorSet(1, vs);
        QuorumCrypto real = scheme.forValidators(validators);
        crypto = new CountingQuorumCrypto(real);
        batches = crypto.batches;
        guard = new InMemoryGuardedSigner(keys[self]);
    }

    /** The node dying right after a signature was released. */
    static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** A new round manager over the same guard, store and ledger (a restart keeps those); not started. */
    RoundManager build() {
        ConsensusSigner signer = new ConsensusSigner() {
            @Override
            public byte[] publicKey() {
                return guard.publicKey();
            }

            @Override
            public byte[] sign(SigningRequest r) throws SigningRefusedException {
                signRequests.add(r.kind());
                if (refused.contains(r.kind())) {
                    throw new SigningRefusedException("refused by the test: " + r.kind());
                }
                byte[] sig = guard.sign(r);
                if (crashAfterNextTimeout && r.kind() == SigningKind.TIMEOUT) {
                    crashAfterNextTimeout = false;
                    throw new Crash();
                }
                return sig;
            }

            @Override
            public Optional<byte[]> safetyData() {
                return guard.safetyData();
            }
        };
        RoundManager.Builder builder = RoundManager.builder(self, validators, crypto, new SafetyRules(signer, self, new CertificateVerifier(validators, crypto)));
        rm = (epochs != null ? builder.scheduleEpochs(epochs) : builder.leaders((e, r) -> leaders.apply(r)))
                .proposalValidator(b -> verdict)
                .outbound(new Outbound() {
                    @Override
                    public void send(int to, ConsensusMessage m) {
                        sent.add(new Sent(to, m));
                    }

                    @Override
                    public void broadcast(ConsensusMessage m) {
                        sent.add(new Sent(BROADCAST, m));
                    }
                })
                .timers((delay, ev) -> timers.add(new Timer(delay, (RoundTimeout) ev)))
                .clock(() -> 1000)
                .payloads(r -> new byte[] {1})
                .blockStore(store)
                .ledger(ledger)
                .metrics(metrics)
                .config(new ConsensusConfig(1000, 3, 16, 64))
                .build();
        return rm;
    }

    RoundManager start() {
        build();
        rm.start();
        return rm;
    }

    // ---- input ------------------------------------------------------------------------------------------------------

    void deliver(int from, ConsensusMessage m) {
        rm.handle(new MessageReceived(from, m));
    }

    /** Fires the latest timer armed. */
    void fireTimer() {
        rm.handle(timers.getLast().event());
    }

    long counter(ConsensusCounter c) {
        return rm.view().counter(c);
    }

    <T extends ConsensusMessage> List<T> sentOf(Class<T> type) {
        return sent.stream().map(Sent::message).filter(type::isInstance).map(type::cast).toList();
    }

    List<Sent> requests() {
        return sent.stream().filter(s -> s.message() instanceof BlockRequest).toList();
    }

    // ---- crafted messages -------------------------------------------------------------------------------------------

    QuorumCert genesisQc() {
        return QuorumCert.genesis(1, Block.genesis(1).id());
    }

    Block block(int author, long round, QuorumCert parent, String payload) {
        return block(author, round, parent, payload, 500);
    }

    Block block(int author, long round, QuorumCert parent, String payload, long timestampMs) {
        return block(author, round, parent, payload, timestampMs, List.of());
    }

    Block block(int author, long round, QuorumCert parent, String payload, long timestampMs, List<Integer> nextSchedule) {
        Block b = new Block(1, round, parent, payload.getBytes(), author, timestampMs, nextSchedule, new byte[0]);
        return b.withSignature(keys[author].sign(SigningMessages.proposal(1, round, b.id())));
    }

    Vote vote(int voter, Block b) {
        return vote(voter, b.round(), b.id());
    }

    Vote vote(int voter, long round, BlockId id) {
        return new Vote(1, round, id, voter, keys[voter].sign(SigningMessages.vote(1, round, id)));
    }

    QuorumCert qc(Block b, int... voters) {
        return qc(b.round(), b.id(), voters);
    }

    QuorumCert qc(long round, BlockId id, int... voters) {
        BitSet set = new BitSet();
        List<byte[]> sigs = new ArrayList<>();
        for (int v : voters) {
            set.set(v);
            sigs.add(keys[v].sign(SigningMessages.vote(1, round, id)));
        }
        return new QuorumCert(1, round, id, Bitmaps.encode(set, N), crypto.aggregate(sigs));
    }

    TimeoutCert tc(long round, QuorumCert highQc, int... signers) {
        List<TimeoutCert.Entry> entries = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        for (int v : signers) {
            entries.add(new TimeoutCert.Entry(v, highQc.round()));
            sigs.add(keys[v].sign(SigningMessages.timeout(1, round, highQc.round())));
        }
        return new TimeoutCert(1, round, highQc, entries, crypto.aggregate(sigs));
    }

    TimeoutMsg timeout(int author, long round, QuorumCert highQc) {
        return new TimeoutMsg(1, round, highQc, null, author, keys[author].sign(SigningMessages.timeout(1, round, highQc.round())));
    }

    /** Consecutive blocks of rounds 1..{@code length} on the genesis QC, each by its round's leader with its parent's QC. */
    List<Block> chain(int length) {
        List<Block> out = new ArrayList<>();
        QuorumCert parent = genesisQc();
        for (long r = 1; r <= length; r++) {
            Block b = block((int) (r % N), r, parent, "chain" + r);
            out.add(b);
            parent = qc(b, 0, 1, 3);
        }
        return out;
    }

    /** Hands the node {@code blocks} the way a peer that is ahead does: a QC on the last, then the fetched blocks. */
    void syncTo(int from, List<Block> blocks) {
        deliver(from, new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(qc(blocks.getLast(), 0, 1, 3), null)));
        deliver(from, new ConsensusMessage.BlockResponse(blocks));
    }

    /** Moves the node to {@code round} through a TC of {@code round - 1} over the genesis QC (signed by the others). */
    void enterByTc(long round) {
        int[] others = java.util.stream.IntStream.range(0, N).filter(i -> i != self).toArray();
        deliver(others[0], new ConsensusMessage.Sync(new io.backplane.node.consensus.types.SyncInfo(genesisQc(), tc(round - 1, genesisQc(), others))));
    }
}
