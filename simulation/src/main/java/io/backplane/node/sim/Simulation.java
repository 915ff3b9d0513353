package io.backplane.node.sim;

import io.backplane.node.consensus.crypto.BlsSignatureScheme;
import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.crypto.SignatureScheme;
import io.backplane.node.consensus.crypto.SimulatedSignatures;
import io.backplane.node.consensus.liveness.LeaderSchedule;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.ConsensusConfig;
import io.backplane.node.consensus.round.ConsensusEvent;
import io.backplane.node.consensus.round.EpochConfig;
import io.backplane.node.consensus.round.ForwardingBlockStore;
import io.backplane.node.consensus.round.InMemoryBlockStore;
import io.backplane.node.consensus.round.Outbound;
import io.backplane.node.consensus.round.LedgerHandoff;
import io.backplane.node.consensus.round.RoundManager;
import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.safety.ApprovalObserver;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.InMemoryGuardedSigner;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.Timeout;
import io.backplane.node.consensus.types.ConsensusMessage.VoteMsg;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.SyncInfo;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.TreeMap;

/**
 * Runs one seeded simulation of the consensus core (Kafka's RaftEventSimulationTest and Aptos Twins are the models).
 * <ul>
 *   <li>Network: per-message delay drawn from [min, max] (so messages reorder), with {@link Fault#DROPS} loss and
 *       duplication, with {@link Fault#PARTITIONS} two-sided splits that come and go (checked at delivery, per
 *       instance, so the two halves of a twin can sit on different sides).</li>
 *   <li>{@link Fault#CRASHES}: an honest node loses everything but its durable state (the guarded signer and the
 *       block store: blocks are saved before the node votes for them), then restarts and syncs.</li>
 *   <li>The last f validators are Byzantine: a twin (two instances, one key; with {@link Fault#TWINS}), an
 *       equivocating leader (conflicting blocks to different peers, some extending genesis: a rollback), a node
 *       that signs a vote for every proposal it sees, a silent node, a node proposing a wrong schedule, a
 *       certificate forger (QCs and TCs one signer short of a quorum built from the genuine votes and timeouts it
 *       receives, genuine aggregates relabelled for another block, round or epoch, out-of-set signers, TCs with an
 *       invented high-QC round, stale certificates replayed) and a flooder (many distinct blocks per round, blocks
 *       for rounds far ahead or unjustified, unrequested block responses). Byzantine nodes sign with their raw key.</li>
 *   <li>After every event: no two honest nodes commit different blocks at one height, each honest executor gets
 *       a gap-free parent-linked chain, no honest key signs two different messages for one (kind, round), no
 *       honest node detects a conflicting commit, and round/commit bookkeeping is consistent.</li>
 *   <li>In front of the guard: every vote, timeout and proposal an honest node's safety rules approve is checked
 *       against the protocol's rules by the simulation itself (monotonic votes, no vote in a round timed out of, the
 *       vote and timeout justification, one proposal per round), and every certificate it approves on, holds as its
 *       high QC/TC or stores is re-verified by an oracle that counts the stake itself; stores hold at most two blocks
 *       a round, none far ahead. {@link SimConfig#passThroughGuard()} makes the guards refuse nothing.</li>
 *   <li>Faults stop ("the network heals") half way through the rounds; every honest node must then commit new blocks within
 *       a bound (liveness).</li>
 * </ul>
 * Signatures are {@link SimulatedSignatures} unless {@link SimConfig#realBls()} is set.
 */
public final class Simulation {
    private static final long EPOCH = 1;
    private static final long BASE_TIMEOUT_MS = 400;
    private static final int MAX_BACKOFF = 3;
    private static final long LIVENESS_BOUND_MS = 60_000;
    private static final long FAULT_PHASE_CAP_MS = 120_000;
    private static final long MAX_EVENTS = 5_000_000;
    private static final int MAX_VIOLATIONS_KEPT = 10;
    private static final int HISTORY_LENGTH = 8;

    enum Role { HONEST, TWIN, EQUIVOCATOR, VOTE_ALL, SILENT, WRONG_SCHEDULE, FORGER, FLOODER }

    private final SimConfig cfg;
    private final Random rng;
    private final SimScheduler scheduler = new SimScheduler();
    private final SignatureScheme scheme;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    /** The certificate checks of the honest nodes' safety rules: one verifier (and cache) per node incarnation. */
    private final QuorumCert genesisQc = QuorumCert.genesis(EPOCH, Block.genesis(EPOCH).id());
    private final LeaderSchedule leaders;
    private final SecretSigner[] keys;
    /** Signers given by the config (kept across crashes: they are the durable state), or null. */
    private final ConsensusSigner[] external;
    private final Role[] roles;
    private final List<Instance> instances = new ArrayList<>();
    private final EpochConfig epochs;
    /** Blocks a Byzantine leader proposed with a schedule other than the algorithm's: none may be certified. */
    private final java.util.Set<BlockId> wrongScheduleBlocks = new java.util.HashSet<>();
    private boolean partitioned;
    private double lossRate;
    private double duplicateRate;
    private boolean healed;
    private long healedAt = -1;
    private long heightAtHeal;

    // Invariant state.
    private final Map<Long, BlockId> committedAtHeight = new HashMap<>();
    private final Map<String, byte[]> honestSignatures = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private int violationCount;
    private long maxCommittedHeight;
    private long lastCommitRound;
    private long longestStall;
    private long healedAtRound = -1;
    /** The oracle's answers, by certificate (equality). */
    private final Map<Object, Boolean> oracle = new HashMap<>();
    /** What each honest validator's safety rules approved (kept across its crashes, as its key is). */
    private final Map<Integer, Approvals> approvals = new HashMap<>();
    /** Genuine signatures the certificate forger has seen: votes by (round, block), timeouts by round. */
    private final Map<Long, Map<BlockId, Map<Integer, Vote>>> seenVotes = new HashMap<>();
    private final Map<Long, Map<Integer, TimeoutMsg>> seenTimeouts = new HashMap<>();
    private final List<ConsensusMessage> replayable = new ArrayList<>();
    /** Every block proposed in the run, by id (the equivocator rolls back onto one of them). */
    private final Map<BlockId, Block> proposedBlocks = new HashMap<>();
    /** Highest vote or timeout round each honest key has signed: its restored safety rules must know at least that. */
    private final Map<Integer, Long> signedUpTo = new HashMap<>();

    private Simulation(SimConfig cfg, CryptoTap tap, SignatureScheme chosen) {
        this.cfg = cfg;
        // Mixed first: java.util.Random's first draws from nearby seeds are correlated, which would make seeds 1..K alike.
        this.rng = new Random(new java.util.SplittableRandom(cfg.seed()).nextLong());
        this.scheme = chosen != null ? chosen : cfg.realBls() ? new BlsSignatureScheme() : new SimulatedSignatures();
        int n = cfg.nodes();
        this.keys = new SecretSigner[n];
        List<Validator> vs = new ArrayList<>();
        this.external = cfg.signers() == null ? null : new ConsensusSigner[n];
        for (int i = 0; i < n; i++) {
            if (external != null) {
                external[i] = cfg.signers().apply(i);
                vs.add(new Validator(external[i].publicKey(), 1, external[i].proofOfPossession().orElse(new byte[0])));
                continue;
            }
            byte[] ikm = ByteBuffer.allocate(40).putLong(cfg.seed()).putLong(i).put("backplane-sim-key-material".getBytes(StandardCharsets.US_ASCII), 0, 24).array();
            keys[i] = tap.wrap(scheme.keyFromSeed(ikm));
            vs.add(new Validator(keys[i].publicKey(), 1, keys[i].proofOfPossession()));
        }
        this.validators = new ValidatorSet(EPOCH, vs);
        // Every key enters the set with a verified proof of possession, external signers' (the HSM runs: the token
        // makes it) as much as the simulation's own; forValidators refuses a key without one.
        this.crypto = tap.wrap(scheme.forValidators(validators));
        this.leaders = cfg.leaders().apply(n);
        this.epochs = cfg.epochLength() > 0 ? new EpochConfig(cfg.epochLength(), cfg.election(), HISTORY_LENGTH) : null;
        this.roles = new Role[n];
        Arrays.fill(roles, Role.HONEST);
        for (int k = 0; k < cfg.byzantine(); k++) {
            int idx = n - 1 - k;
            // With twins on, a Byzantine validator is a twin in a quarter of the runs (at most one twin per run).
            boolean twinAllowed = cfg.faults().contains(Fault.TWINS) && !Arrays.asList(roles).contains(Role.TWIN);
            // With schedule epochs a Byzantine leader may also propose a wrong next-epoch schedule.
            int extra = cfg.epochLength() > 0 ? 1 : 0;
            // Certificate and resource attackers come on top of the older roles, drawn from a separate stream, so that a
            // third of the Byzantine validators attack certificates or resources (and the older roles keep their share).
            int attack = rng.nextInt(6);
            int pick = rng.nextInt((twinAllowed ? 4 : 3) + extra);
            roles[idx] = attack < 2 ? (attack == 0 ? Role.FORGER : Role.FLOODER)
                    : pick == 0 ? Role.EQUIVOCATOR : pick == 1 ? Role.VOTE_ALL : pick == 2 ? Role.SILENT
                    : pick == 3 && extra == 1 ? Role.WRONG_SCHEDULE : Role.TWIN;
        }
        if (cfg.faults().contains(Fault.DROPS)) {
            lossRate = 0.02 + rng.nextDouble() * 0.13;
            duplicateRate = 0.05;
        }
    }

    /** Runs one seed to the end and reports. Deterministic in {@code cfg}. */
    public static SimResult run(SimConfig cfg) {
        return new Simulation(cfg, CryptoTap.NONE, null).execute();
    }

    /**
     * As {@link #run(SimConfig)}, signing and verifying with {@code scheme} (e.g. the accelerated BLS adapter) instead
     * of the scheme {@link SimConfig#realBls()} picks. The scheme must be a real one: every validator verifies with it.
     */
    public static SimResult run(SimConfig cfg, SignatureScheme scheme) {
        return new Simulation(cfg, CryptoTap.NONE, java.util.Objects.requireNonNull(scheme, "scheme")).execute();
    }

    /** As {@link #run(SimConfig)}, with the signature work routed through {@code tap} (benchmarks time it there). */
    public static SimResult run(SimConfig cfg, CryptoTap tap) {
        return new Simulation(cfg, tap, null).execute();
    }

    /** Wraps the run's signature objects, e.g. to measure the time spent in them. Must not change results. */
    public interface CryptoTap {
        CryptoTap NONE = new CryptoTap() {
        };

        default QuorumCrypto wrap(QuorumCrypto crypto) {
            return crypto;
        }

        default SecretSigner wrap(SecretSigner key) {
            return key;
        }
    }

    // ---- nodes ---------------------------------------------------------------------------------------------------

    /** One running copy of a validator (twins have two per index). Its signer is its durable state. */
    private final class Instance {
        final int index;
        final Role role;
        final ConsensusSigner signer;
        final ObservedStore store;
        final Random payloadRng;
        RoundManager rm;
        int incarnation;
        long executedHeight;
        BlockId executedTip;
        boolean crashed;
        /** Side of the current partition; per instance, so twins can sit on different sides (as in Twins). */
        int group;

        Instance(int index, Role role, int copy) {
            this.index = index;
            this.role = role;
            ConsensusSigner guard = external != null ? external[index] : new InMemoryGuardedSigner(keys[index], cfg.passThroughGuard());
            this.signer = role == Role.HONEST ? new ObservedSigner(index, guard) : guard;
            this.store = new ObservedStore(this);
            this.payloadRng = new Random(new java.util.SplittableRandom(cfg.seed() * 31 + index * 7L + copy).nextLong());
        }

        boolean honest() {
            return role == Role.HONEST;
        }

        void boot() {
            incarnation++;
            crashed = false;
            executedHeight = 0;
            executedTip = Block.genesis(EPOCH).id();
            int inc = incarnation;
            Outbound out = new Outbound() {
                @Override
                public void send(int to, ConsensusMessage m) {
                    outgoing(Instance.this, to, m);
                }

                @Override
                public void broadcast(ConsensusMessage m) {
                    if (m instanceof Proposal p && role == Role.EQUIVOCATOR) {
                        equivocate(Instance.this, p);
                        return;
                    }
                    if (m instanceof Proposal p && role == Role.WRONG_SCHEDULE && !p.block().nextSchedule().isEmpty()) {
                        m = wrongSchedule(Instance.this, p);
                    }
                    if (m instanceof Proposal p && role == Role.FLOODER) {
                        flood(Instance.this, p);
                    }
                    for (int j = 0; j < cfg.nodes(); j++) {
                        if (j != index) {
                            outgoing(Instance.this, j, m);
                        }
                    }
                }
            };
            ApprovalObserver observer = honest() ? approvals.computeIfAbsent(index, Approvals::new) : ApprovalObserver.NONE;
            RoundManager.Builder b = RoundManager.builder(index, validators, crypto,
                    cfg.safetyRules().create(signer, index, new CertificateVerifier(validators, crypto), observer));
            rm = (epochs == null ? b.leaders(leaders) : b.scheduleEpochs(epochs))
                    .proposalValidator(cfg.proposalValidators().apply(index))
                    .outbound(out)
                    .timers((delay, ev) -> scheduler.after(delay, () -> deliverLocal(this, inc, ev)))
                    .clock(scheduler::now)
                    .payloads(round -> ("n" + index + "/r" + round + "/" + Long.toHexString(payloadRng.nextLong())).getBytes(StandardCharsets.US_ASCII))
                    .ledger(LedgerHandoff.direct((block, height) -> executed(this, block, height)))
                    .blockStore(store)
                    .config(new ConsensusConfig(BASE_TIMEOUT_MS, MAX_BACKOFF, 4096, 64))
                    .build();
            rm.start();
        }

        void crash() {
            crashed = true;
            rm = null;
        }
    }

    /** Records every signature an honest key releases, to check no honest key ever signs two different statements. */
    private final class ObservedSigner implements ConsensusSigner {
        private final int index;
        private final ConsensusSigner inner;

        ObservedSigner(int index, ConsensusSigner inner) {
            this.index = index;
            this.inner = inner;
        }

        @Override
        public byte[] publicKey() {
            return inner.publicKey();
        }

        @Override
        public byte[] sign(SigningRequest request) throws SigningRefusedException {
            // The safety data made durable with a signature must already cover it (DESIGN.md §4): a crash right after must
            // not let the restarted rules sign against it.
            io.backplane.node.consensus.safety.SafetyData d = io.backplane.node.consensus.safety.SafetyData.decode(request.safetyData());
            boolean covered = switch (request.kind()) {
                case VOTE -> d.lastVotedRound() >= request.round();
                case TIMEOUT -> d.lastVotedRound() >= request.round() && d.highestTimeoutRound() >= request.round();
                case PROPOSAL -> d.lastProposedRound() >= request.round();
            };
            if (!covered) {
                violation("honest validator " + index + " asked for a " + request.kind() + " of round " + request.round()
                        + " with safety data that does not cover it: " + d);
            }
            byte[] sig = inner.sign(request);
            signedUpTo.merge(index, request.kind() == SigningKind.PROPOSAL ? 0 : request.round(), Math::max);
            String key = index + "/" + request.kind() + "/" + request.epoch() + "/" + request.round();
            byte[] earlier = honestSignatures.putIfAbsent(key, request.message());
            // A second timeout of the same round reporting a higher high QC states nothing the first contradicts.
            boolean raisedTimeout = earlier != null && request.kind() == SigningKind.TIMEOUT && lastU64(request.message()) > lastU64(earlier);
            if (earlier != null && !Arrays.equals(earlier, request.message()) && !raisedTimeout) {
                violation("honest validator " + index + " signed two different " + request.kind() + " messages in round " + request.round());
            }
            return sig;
        }

        @Override
        public Optional<byte[]> safetyData() {
            return inner.safetyData();
        }
    }

    private static long lastU64(byte[] m) {
        return ByteBuffer.wrap(m, m.length - 8, 8).getLong();
    }

    // ---- rules checked in front of the guard -----------------------------------------------------------------------

    /**
     * The simulation's own reading of DESIGN.md §4, applied to what one honest validator's safety rules approve (before
     * the guard can refuse it): every certificate is re-verified by {@link #genuineQc}/{@link #genuineTc}; votes rise
     * strictly above every earlier vote and timeout round; a vote in round r needs r = q + 1, or r = tc.round + 1 with
     * q &ge; the TC's highest reported round; a timeout of r needs r = q + 1 or r = tc.round + 1, is not below the last
     * vote, and does not lower the high QC it reported earlier for r; one proposal per round.
     */
    private final class Approvals implements ApprovalObserver {
        private final int index;
        private long maxVoteRound;
        private long maxTimeoutRound;
        private long timeoutHqcRound = -1;
        private final Map<Long, BlockId> proposals = new HashMap<>();

        Approvals(int index) {
            this.index = index;
        }

        @Override
        public void approvedProposal(Block unsigned) {
            if (!genuineQc(unsigned.parentQc())) {
                violation("honest validator " + index + " approved a proposal for round " + unsigned.round() + " on a QC that is not a quorum's");
            }
            BlockId earlier = proposals.putIfAbsent(unsigned.round(), unsigned.id());
            if (earlier != null && !earlier.equals(unsigned.id())) {
                violation("honest validator " + index + " approved two different proposals for round " + unsigned.round());
            }
        }

        @Override
        public void approvedVote(Block block, TimeoutCert tc) {
            long r = block.round();
            long q = block.parentQc().round();
            if (!genuineQc(block.parentQc()) || (tc != null && !genuineTc(tc))) {
                violation("honest validator " + index + " approved a vote in round " + r + " on a certificate that is not a quorum's");
            }
            if (r <= maxVoteRound || r <= maxTimeoutRound) {
                violation("honest validator " + index + " approved a vote in round " + r + " after a vote in round " + maxVoteRound
                        + " / a timeout of round " + maxTimeoutRound);
            }
            if (!(r == q + 1 || (tc != null && r == tc.round() + 1 && q >= tc.maxHighQcRound()))) {
                violation("honest validator " + index + " approved a vote in round " + r + " with parent QC round " + q + " and " + tc);
            }
            maxVoteRound = Math.max(maxVoteRound, r);
        }

        @Override
        public void approvedTimeout(long epoch, long round, QuorumCert highQc, TimeoutCert tc) {
            if (!genuineQc(highQc) || (tc != null && !genuineTc(tc))) {
                violation("honest validator " + index + " approved a timeout of round " + round + " on a certificate that is not a quorum's");
            }
            if (round < maxVoteRound || round < maxTimeoutRound || (round == maxTimeoutRound && highQc.round() < timeoutHqcRound)) {
                violation("honest validator " + index + " approved a timeout of round " + round + " (high QC " + highQc.round()
                        + ") after a vote in round " + maxVoteRound + " / a timeout of round " + maxTimeoutRound + " (high QC " + timeoutHqcRound + ")");
            }
            if (!(round == highQc.round() + 1 || (tc != null && round == tc.round() + 1))) {
                violation("honest validator " + index + " approved a timeout of round " + round + " with high QC round " + highQc.round() + " and " + tc);
            }
            if (round > maxTimeoutRound) {
                timeoutHqcRound = -1;
            }
            maxTimeoutRound = Math.max(maxTimeoutRound, round);
            timeoutHqcRound = Math.max(timeoutHqcRound, highQc.round());
        }
    }

    /** The oracle: a QC is genuine when its signers (counted here, not by the code under test) hold more than 2/3 of the stake and the aggregate verifies. */
    private boolean genuineQc(QuorumCert qc) {
        if (qc.isGenesis()) {
            return qc.equals(genesisQc);
        }
        Boolean known = oracle.get(qc);
        if (known != null) {
            return known;
        }
        BitSet signers = qc.signerSet();
        boolean ok = qc.epoch() == EPOCH && signers.length() <= cfg.nodes() && moreThanTwoThirds(signers)
                && crypto.verifyAggregate(signers, qc.signedMessage(), qc.signature());
        oracle.put(qc, ok);
        return ok;
    }

    /** A TC is genuine when a quorum's aggregate verifies over each signer's timeout and it carries a genuine QC of its highest reported round. */
    private boolean genuineTc(TimeoutCert tc) {
        Object key = List.of(tc.epoch(), tc.round(), tc.highQc(), tc.entries(), java.util.HexFormat.of().formatHex(tc.signature()));
        Boolean known = oracle.get(key);
        if (known != null) {
            return known;
        }
        // Not computeIfAbsent: the check consults the oracle for the carried QC (a nested update of the same map).
        boolean ok = checkTc(tc);
        oracle.put(key, ok);
        return ok;
    }

    private boolean checkTc(TimeoutCert tc) {
        if (tc.epoch() != EPOCH || tc.entries().isEmpty() || !genuineQc(tc.highQc()) || tc.highQc().round() != tc.maxHighQcRound()) {
            return false;
        }
        BitSet signers = new BitSet();
        int[] idx = new int[tc.entries().size()];
        List<byte[]> msgs = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            TimeoutCert.Entry e = tc.entries().get(i);
            if (e.signer() < 0 || e.signer() >= cfg.nodes() || e.highQcRound() >= tc.round()) {
                return false;
            }
            signers.set(e.signer());
            idx[i] = e.signer();
            msgs.add(SigningMessages.timeout(EPOCH, tc.round(), e.highQcRound()));
        }
        return signers.cardinality() == idx.length && moreThanTwoThirds(signers) && crypto.verifyAggregateDistinct(idx, msgs, tc.signature());
    }

    private boolean moreThanTwoThirds(BitSet signers) {
        long stake = 0;
        long total = 0;
        for (int i = 0; i < cfg.nodes(); i++) {
            long st = validators.get(i).stake();
            total += st;
            if (signers.get(i)) {
                stake += st;
            }
        }
        return 3 * stake > 2 * total;
    }

    /** An honest node's durable store, checked as it is written: certificates genuine, blocks not far ahead, at most two a round. */
    private final class ObservedStore extends ForwardingBlockStore {
        private final Instance node;
        private final Map<String, Integer> perRound = new HashMap<>();

        ObservedStore(Instance node) {
            super(new InMemoryBlockStore());
            this.node = node;
        }

        @Override
        public void saveBlock(Block block) {
            if (node.honest()) {
                long limit = maxHonestRound() + 1;
                if (block.round() > limit) {
                    violation("validator " + node.index + " stored a block for round " + block.round() + ", beyond every honest round (" + limit + ")");
                }
                if (perRound.merge(node.incarnation + "/" + block.round(), 1, Integer::sum) > 2) {
                    violation("validator " + node.index + " stored a third block for round " + block.round());
                }
            }
            inner.saveBlock(block);
        }

        @Override
        public void saveHighQc(QuorumCert qc) {
            if (node.honest() && !genuineQc(qc)) {
                violation("validator " + node.index + " saved a high QC that is not a quorum's: " + qc);
            }
            inner.saveHighQc(qc);
        }

        @Override
        public void saveHighTc(TimeoutCert tc) {
            if (node.honest() && !genuineTc(tc)) {
                violation("validator " + node.index + " saved a high TC that is not a quorum's: " + tc);
            }
            inner.saveHighTc(tc);
        }
    }

    // ---- network -------------------------------------------------------------------------------------------------

    private void outgoing(Instance from, int to, ConsensusMessage m) {
        if (m instanceof Proposal p) {
            proposedBlocks.putIfAbsent(p.block().id(), p.block());
        }
        if (from.crashed || from.role == Role.SILENT) {
            return;
        }
        if (lossRate > 0 && rng.nextDouble() < lossRate) {
            return;
        }
        int copies = duplicateRate > 0 && rng.nextDouble() < duplicateRate ? 2 : 1;
        for (int c = 0; c < copies; c++) {
            long delay = cfg.minDelayMs() + (cfg.maxDelayMs() > cfg.minDelayMs() ? (long) (rng.nextDouble() * (cfg.maxDelayMs() - cfg.minDelayMs() + 1)) : 0);
            scheduler.after(delay, () -> {
                for (Instance target : instances) {
                    if (target.index == to && !target.crashed && (!partitioned || target.group == from.group)) {
                        received(target, from.index, m);
                    }
                }
            });
        }
    }

    private void received(Instance target, int from, ConsensusMessage m) {
        if (target.role == Role.VOTE_ALL && m instanceof Proposal p) {
            voteForAnything(target, p.block());
        }
        if (target.role == Role.FORGER) {
            forge(target, m);
        }
        target.rm.handle(new ConsensusEvent.MessageReceived(from, m));
    }

    private void deliverLocal(Instance inst, int incarnation, ConsensusEvent ev) {
        if (!inst.crashed && inst.incarnation == incarnation) {
            inst.rm.handle(ev);
        }
    }

    // ---- Byzantine behaviour -------------------------------------------------------------------------------------

    private void voteForAnything(Instance node, Block b) {
        byte[] sig = keys[node.index].sign(SigningMessages.vote(EPOCH, b.round(), b.id()));
        Vote v = new Vote(EPOCH, b.round(), b.id(), node.index, sig);
        if (epochs != null) {
            // The next leader depends on the block's chain: send the vote to everyone.
            for (int j = 0; j < cfg.nodes(); j++) {
                if (j != node.index) {
                    outgoing(node, j, new VoteMsg(v));
                }
            }
            return;
        }
        OptionalInt next = leaders.leader(EPOCH, b.round() + 1);
        if (next.isPresent() && next.getAsInt() != node.index) {
            outgoing(node, next.getAsInt(), new VoteMsg(v));
        }
    }

    /** The same proposal with a next-epoch schedule that makes this validator lead every round, re-signed. */
    private Proposal wrongSchedule(Instance node, Proposal honest) {
        Block b = honest.block();
        List<Integer> grab = java.util.Collections.nCopies(b.nextSchedule().size(), node.index);
        if (grab.equals(b.nextSchedule())) {
            return honest;
        }
        Block bad = new Block(EPOCH, b.round(), b.parentQc(), b.payload(), node.index, b.timestampMs(), grab, new byte[0]);
        bad = bad.withSignature(keys[node.index].sign(SigningMessages.proposal(EPOCH, bad.round(), bad.id())));
        wrongScheduleBlocks.add(bad.id());
        return new Proposal(bad, honest.tc());
    }

    private void equivocate(Instance node, Proposal honest) {
        Block b = honest.block();
        int mode = rng.nextInt(3);
        boolean rollback = mode != 0;
        QuorumCert parent = rollback ? QuorumCert.genesis(EPOCH, Block.genesis(EPOCH).id()) : b.parentQc();
        Block parentBlock = Block.genesis(EPOCH);
        // Half the rollbacks go back one block only, onto the grandparent's QC: honest nodes still hold that block (a
        // rollback onto a block below their committed root cannot be stored, so it never reaches their voting rules).
        Block certified = proposedBlocks.get(b.parentQc().blockId());
        if (rollback && rng.nextBoolean() && certified != null && proposedBlocks.containsKey(certified.parentQc().blockId())) {
            parent = certified.parentQc();
            parentBlock = proposedBlocks.get(parent.blockId());
        }
        byte[] payload = ("conflict/" + rng.nextLong()).getBytes(StandardCharsets.US_ASCII);
        // The conflicting block carries the schedule its own chain calls for, so that only the voting rules can stop it.
        List<Integer> schedule = rollback && epochs != null
                ? node.rm.view().expectedSchedule(b.round(), parentBlock, parent).orElse(List.of()) : b.nextSchedule();
        Block other = new Block(EPOCH, b.round(), parent, payload, node.index, Math.max(b.timestampMs(), 0), schedule, new byte[0]);
        other = other.withSignature(keys[node.index].sign(SigningMessages.proposal(EPOCH, other.round(), other.id())));
        Proposal conflicting = new Proposal(other, honest.tc());
        if (mode == 2) {
            // Rollback to everyone, with our own vote for it: only a broken voting rule would certify it.
            for (int j = 0; j < cfg.nodes(); j++) {
                if (j != node.index) {
                    outgoing(node, j, conflicting);
                }
            }
            voteForAnything(node, other);
            return;
        }
        boolean both = rng.nextInt(10) < 3;
        for (int j = 0; j < cfg.nodes(); j++) {
            if (j == node.index) {
                continue;
            }
            if (both) {
                outgoing(node, j, rng.nextBoolean() ? honest : conflicting);
                outgoing(node, j, rng.nextBoolean() ? honest : conflicting);
            } else {
                outgoing(node, j, j % 2 == 0 ? honest : conflicting);
            }
        }
    }

    /**
     * The certificate forger: from the genuine votes and timeouts it receives it builds certificates one signer short
     * of a quorum, relabels genuine aggregates (another block, round or epoch), adds out-of-set signers, reports
     * high-QC rounds no QC backs, and replays stale certificates, sending them to everyone as sync messages.
     */
    private void forge(Instance node, ConsensusMessage m) {
        switch (m) {
            case VoteMsg vm -> {
                Vote v = vm.vote();
                Map<Integer, Vote> votes = seenVotes.computeIfAbsent(v.round(), r -> new HashMap<>()).computeIfAbsent(v.blockId(), b -> new java.util.TreeMap<>());
                votes.put(v.voter(), v);
                votes.putIfAbsent(node.index, new Vote(EPOCH, v.round(), v.blockId(), node.index, keys[node.index].sign(SigningMessages.vote(EPOCH, v.round(), v.blockId()))));
                BitSet signers = new BitSet();
                List<byte[]> sigs = new ArrayList<>();
                for (Vote x : votes.values()) {
                    signers.set(x.voter());
                    if (moreThanTwoThirds(signers)) {
                        signers.clear(x.voter());
                        break;
                    }
                    sigs.add(x.signature());
                }
                if (!sigs.isEmpty()) {
                    // One short of a quorum: only a QC check that counts wrong would accept it.
                    toAll(node, new Sync(new SyncInfo(new QuorumCert(EPOCH, v.round(), v.blockId(), Bitmaps.encode(signers, cfg.nodes()), crypto.aggregate(sigs)), null)));
                }
            }
            case Timeout tm -> {
                TimeoutMsg t = tm.timeout();
                Map<Integer, TimeoutMsg> ts = seenTimeouts.computeIfAbsent(t.round(), r -> new java.util.TreeMap<>());
                ts.put(t.author(), t);
                forgeTimeoutCerts(node, t.round(), ts);
            }
            case Proposal p -> {
                Block b = p.block();
                QuorumCert qc = b.parentQc();
                if (!qc.isGenesis()) {
                    // A genuine aggregate relabelled: for this block (a round later), for another epoch, with out-of-set signers.
                    byte[] wide = qc.signers().clone();
                    if (cfg.nodes() % 8 != 0) {
                        wide[wide.length - 1] |= (byte) (0xff << (cfg.nodes() % 8));
                    }
                    List<QuorumCert> bad = List.of(
                            new QuorumCert(EPOCH, b.round(), b.id(), qc.signers(), qc.signature()),
                            new QuorumCert(EPOCH, qc.round() + 1, qc.blockId(), qc.signers(), qc.signature()),
                            new QuorumCert(EPOCH + 1, qc.round(), qc.blockId(), qc.signers(), qc.signature()),
                            new QuorumCert(EPOCH, qc.round(), qc.blockId(), wide, qc.signature()));
                    toAll(node, new Sync(new SyncInfo(bad.get(rng.nextInt(bad.size())), null)));
                }
                if (replayable.size() < 64) {
                    replayable.add(new Sync(new SyncInfo(qc, p.tc())));
                } else if (rng.nextInt(4) == 0) {
                    // A stale certificate replayed (and a proposal of an earlier round).
                    toAll(node, replayable.get(rng.nextInt(replayable.size())));
                    toAll(node, p);
                }
            }
            default -> {
            }
        }
    }

    private void forgeTimeoutCerts(Instance node, long round, Map<Integer, TimeoutMsg> ts) {
        List<TimeoutMsg> sorted = new ArrayList<>(ts.values());
        QuorumCert best = sorted.stream().map(TimeoutMsg::highQc).max(java.util.Comparator.comparingLong(QuorumCert::round)).orElseThrow();
        // One short of a quorum, from genuine timeouts.
        BitSet signers = new BitSet();
        List<TimeoutCert.Entry> entries = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        for (TimeoutMsg x : sorted) {
            signers.set(x.author());
            if (moreThanTwoThirds(signers)) {
                signers.clear(x.author());
                break;
            }
            entries.add(new TimeoutCert.Entry(x.author(), x.highQc().round()));
            sigs.add(x.signature());
        }
        QuorumCert entriesBest = sorted.stream().limit(entries.size()).map(TimeoutMsg::highQc).max(java.util.Comparator.comparingLong(QuorumCert::round)).orElseThrow();
        toAll(node, new Sync(new SyncInfo(best, new TimeoutCert(EPOCH, round, entriesBest, entries, crypto.aggregate(sigs)))));
        // A full quorum where the forger's own entry reports a high-QC round just below the TC's that no QC backs.
        if (round >= 2 && ts.size() >= 2) {
            List<TimeoutCert.Entry> all = new ArrayList<>();
            List<byte[]> allSigs = new ArrayList<>();
            BitSet q = new BitSet();
            for (TimeoutMsg x : sorted) {
                if (x.author() == node.index || moreThanTwoThirds(q)) {
                    continue;
                }
                q.set(x.author());
                all.add(new TimeoutCert.Entry(x.author(), x.highQc().round()));
                allSigs.add(x.signature());
            }
            if (!q.get(node.index)) {
                q.set(node.index);
                all.add(new TimeoutCert.Entry(node.index, round - 1));
                allSigs.add(keys[node.index].sign(SigningMessages.timeout(EPOCH, round, round - 1)));
            }
            if (moreThanTwoThirds(q) && best.round() < round - 1) {
                all.sort(java.util.Comparator.comparingInt(TimeoutCert.Entry::signer));
                toAll(node, new Sync(new SyncInfo(best, new TimeoutCert(EPOCH, round, best, all, crypto.aggregate(allSigs)))));
            }
        }
    }

    /**
     * The flooder, when it leads: besides its proposal, many distinct blocks for its round, a block for a round far
     * ahead, an unjustified one a few rounds ahead, and unrequested block responses carrying them.
     */
    private void flood(Instance node, Proposal honest) {
        Block b = honest.block();
        List<Block> extra = new ArrayList<>();
        for (int k = 0; k < 8; k++) {
            extra.add(signed(node, b.round(), b.parentQc(), b.timestampMs(), b.nextSchedule(), "flood/" + k));
        }
        extra.add(signed(node, b.round() + 1_000_000_000L, b.parentQc(), b.timestampMs(), List.of(), "far-ahead"));
        extra.add(signed(node, b.round() + 3, b.parentQc(), b.timestampMs(), List.of(), "unjustified"));
        for (int j = 0; j < cfg.nodes(); j++) {
            if (j == node.index) {
                continue;
            }
            for (Block x : extra) {
                outgoing(node, j, new Proposal(x, honest.tc()));
            }
            outgoing(node, j, new BlockResponse(extra));
        }
    }

    private Block signed(Instance node, long round, QuorumCert parent, long ts, List<Integer> schedule, String payload) {
        Block x = new Block(EPOCH, round, parent, (payload + "/" + rng.nextLong()).getBytes(StandardCharsets.US_ASCII), node.index, ts, schedule, new byte[0]);
        return x.withSignature(keys[node.index].sign(SigningMessages.proposal(EPOCH, round, x.id())));
    }

    private void toAll(Instance node, ConsensusMessage m) {
        for (int j = 0; j < cfg.nodes(); j++) {
            if (j != node.index) {
                outgoing(node, j, m);
            }
        }
    }

    // ---- faults --------------------------------------------------------------------------------------------------

    private void schedulePartitions() {
        scheduler.after(500 + rng.nextInt(3000), () -> {
            if (healed) {
                return;
            }
            do {
                for (Instance i : instances) {
                    i.group = rng.nextInt(2);
                }
            } while (instances.stream().mapToInt(i -> i.group).distinct().count() < 2);
            partitioned = true;
            scheduler.after(500 + rng.nextInt(2500), () -> partitioned = false);
            schedulePartitions();
        });
    }

    private void scheduleCrashes() {
        scheduler.after(1000 + rng.nextInt(4000), () -> {
            if (healed) {
                return;
            }
            List<Instance> up = instances.stream().filter(i -> i.honest() && !i.crashed).toList();
            long down = instances.stream().filter(i -> i.honest() && i.crashed).count();
            if (!up.isEmpty() && down < Math.max(1, cfg.byzantine())) {
                Instance victim = up.get(rng.nextInt(up.size()));
                victim.crash();
                scheduler.after(500 + rng.nextInt(3500), () -> {
                    if (victim.crashed) {
                        victim.boot();
                    }
                });
            }
            scheduleCrashes();
        });
    }

    private void heal() {
        healed = true;
        healedAt = scheduler.now();
        healedAtRound = maxHonestRound();
        partitioned = false;
        lossRate = 0;
        duplicateRate = 0;
        for (Instance i : instances) {
            if (i.crashed) {
                i.boot();
            }
        }
        heightAtHeal = maxCommittedHeight;
    }

    // ---- invariants ----------------------------------------------------------------------------------------------

    private void executed(Instance node, Block block, long height) {
        if (!node.honest()) {
            return;
        }
        if (height != node.executedHeight + 1 || !block.parentId().equals(node.executedTip)) {
            violation("validator " + node.index + " executed height " + height + " after " + node.executedHeight + " (gap or not parent-linked)");
        }
        node.executedHeight = height;
        node.executedTip = block.id();
        if (wrongScheduleBlocks.contains(block.id())) {
            violation("validator " + node.index + " committed " + block.id() + ", which carries a wrong next-epoch schedule");
        }
        BlockId earlier = committedAtHeight.putIfAbsent(height, block.id());
        if (earlier != null && !earlier.equals(block.id())) {
            violation("conflicting commits at height " + height + ": " + earlier + " and " + block.id() + " (validator " + node.index + ")");
        }
        if (height > maxCommittedHeight) {
            maxCommittedHeight = height;
            long r = maxHonestRound();
            longestStall = Math.max(longestStall, r - lastCommitRound);
            lastCommitRound = r;
        }
    }

    private void violation(String what) {
        violationCount++;
        if (violations.size() < MAX_VIOLATIONS_KEPT) {
            violations.add("t=" + scheduler.now() + "ms: " + what);
        }
    }

    private void checkAfterEvent() {
        for (Instance i : instances) {
            if (!i.honest() || i.crashed) {
                continue;
            }
            RoundManager rm = i.rm;
            long signed = signedUpTo.getOrDefault(i.index, 0L);
            if (rm.view().lastVotedRound() < signed) {
                violation("validator " + i.index + " has signed up to round " + signed + " but its safety rules know only round "
                        + rm.view().lastVotedRound() + " (safety data lost or not restored)");
            }
            if (rm.counter("safety.conflicting-commit") > 0) {
                violation("validator " + i.index + " was asked to commit a block that does not extend its committed chain");
            }
            if (!genuineQc(rm.highQc()) || (rm.view().highTc() != null && !genuineTc(rm.view().highTc()))) {
                violation("validator " + i.index + " holds a high QC or TC that is not a quorum's: " + rm.highQc() + " / " + rm.view().highTc());
            }
            if (wrongScheduleBlocks.contains(rm.highQc().blockId())) {
                violation("validator " + i.index + " holds a QC for " + rm.highQc().blockId() + ", which carries a wrong next-epoch schedule");
            }
            if (rm.committedRound() >= rm.round() || rm.highQc().round() >= rm.round()) {
                violation("validator " + i.index + " bookkeeping: round " + rm.round() + ", committed round " + rm.committedRound()
                        + ", high QC round " + rm.highQc().round());
            }
        }
    }

    private long maxHonestRound() {
        long r = 0;
        for (Instance i : instances) {
            if (i.honest() && !i.crashed && i.rm != null) {
                r = Math.max(r, i.rm.round());
            }
        }
        return r;
    }

    // ---- the run -------------------------------------------------------------------------------------------------

    private SimResult execute() {
        for (int i = 0; i < cfg.nodes(); i++) {
            instances.add(new Instance(i, roles[i], 0));
            if (roles[i] == Role.TWIN) {
                instances.add(new Instance(i, roles[i], 1));
            }
        }
        if (cfg.faults().contains(Fault.PARTITIONS)) {
            schedulePartitions();
        }
        if (cfg.faults().contains(Fault.CRASHES)) {
            scheduleCrashes();
        }
        for (Instance i : instances) {
            i.boot();
        }
        boolean livenessFailed = false;
        long healRound = Math.max(1, cfg.rounds() / 2);
        while (violationCount == 0) {
            if (!scheduler.step()) {
                break;
            }
            checkAfterEvent();
            if (!healed && (maxHonestRound() >= healRound || scheduler.now() >= FAULT_PHASE_CAP_MS)) {
                heal();
            }
            if (healed && everyHonestCommittedSinceHeal() && maxHonestRound() >= cfg.rounds()) {
                break;
            }
            if (healed && scheduler.now() > healedAt + LIVENESS_BOUND_MS) {
                livenessFailed = !everyHonestCommittedSinceHeal();
                break;
            }
            if (scheduler.executed() > MAX_EVENTS) {
                livenessFailed = true;
                violations.add("event cap of " + MAX_EVENTS + " reached at t=" + scheduler.now() + "ms");
                break;
            }
        }
        long finalRound = maxHonestRound();
        longestStall = Math.max(longestStall, finalRound - lastCommitRound);
        if (livenessFailed && violations.size() < MAX_VIOLATIONS_KEPT) {
            violations.add("liveness: not every honest validator committed within " + LIVENESS_BOUND_MS + " ms after the network healed at t=" + healedAt + "ms");
        }
        Map<String, Long> counters = new TreeMap<>();
        for (Instance i : instances) {
            if (i.honest() && !i.crashed) {
                i.rm.counters().forEach((k, v) -> counters.merge(k, v, Long::sum));
            }
        }
        Map<Integer, String> byz = new LinkedHashMap<>();
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] != Role.HONEST) {
                byz.put(i, roles[i].name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return new SimResult(cfg.seed(), violationCount, livenessFailed, maxCommittedHeight, longestStall, finalRound,
                scheduler.executed(), scheduler.now(), List.copyOf(violations), byz, counters, cfg.replayCommand(),
                cfg.rounds(), healedAtRound, healedAtRound < 0 ? 0 : maxCommittedHeight - heightAtHeal);
    }

    /** Every honest node has committed past the highest height any honest node had when the network healed. */
    private boolean everyHonestCommittedSinceHeal() {
        for (Instance i : instances) {
            if (i.honest() && (i.crashed || i.executedHeight <= heightAtHeal)) {
                return false;
            }
        }
        return true;
    }
}
