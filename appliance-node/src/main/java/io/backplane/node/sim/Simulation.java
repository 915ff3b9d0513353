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
import io.backplane.node.consensus.round.InMemoryBlockStore;
import io.backplane.node.consensus.round.Outbound;
import io.backplane.node.consensus.round.RoundManager;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.InMemoryGuardedSigner;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
 *       that signs a vote for every proposal it sees, or a silent node. Byzantine nodes sign with their raw key.</li>
 *   <li>After every event: no two honest nodes commit different blocks at one height, each honest executor gets
 *       a gap-free parent-linked chain, no honest key signs two different messages for one (kind, round), no
 *       honest node detects a conflicting commit, and round/commit bookkeeping is consistent.</li>
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

    enum Role { HONEST, TWIN, EQUIVOCATOR, VOTE_ALL, SILENT, WRONG_SCHEDULE }

    private final SimConfig cfg;
    private final Random rng;
    private final SimScheduler scheduler = new SimScheduler();
    private final SignatureScheme scheme;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
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
                vs.add(new Validator(external[i].publicKey(), 1));
                continue;
            }
            byte[] ikm = ByteBuffer.allocate(40).putLong(cfg.seed()).putLong(i).put("backplane-sim-key-material".getBytes(StandardCharsets.US_ASCII), 0, 24).array();
            keys[i] = tap.wrap(scheme.keyFromSeed(ikm));
            vs.add(new Validator(keys[i].publicKey(), 1));
        }
        this.validators = new ValidatorSet(EPOCH, vs);
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
            int pick = rng.nextInt((twinAllowed ? 4 : 3) + extra);
            roles[idx] = pick == 0 ? Role.EQUIVOCATOR : pick == 1 ? Role.VOTE_ALL : pick == 2 ? Role.SILENT
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
        final InMemoryBlockStore store = new InMemoryBlockStore();
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
            ConsensusSigner guard = external != null ? external[index] : new InMemoryGuardedSigner(keys[index]);
            this.signer = role == Role.HONEST ? new ObservedSigner(index, guard) : guard;
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
                    for (int j = 0; j < cfg.nodes(); j++) {
                        if (j != index) {
                            outgoing(Instance.this, j, m);
                        }
                    }
                }
            };
            rm = new RoundManager(index, validators, crypto, cfg.safetyRules().create(signer, index, EPOCH), leaders,
                    cfg.proposalValidators().apply(index), out,
                    (delay, ev) -> scheduler.after(delay, () -> deliverLocal(this, inc, ev)),
                    scheduler::now,
                    round -> ("n" + index + "/r" + round + "/" + Long.toHexString(payloadRng.nextLong())).getBytes(StandardCharsets.US_ASCII),
                    (block, height) -> executed(this, block, height), store,
                    new ConsensusConfig(BASE_TIMEOUT_MS, MAX_BACKOFF, 4096, 64), epochs);
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
            byte[] sig = inner.sign(request);
            String key = index + "/" + request.kind() + "/" + request.epoch() + "/" + request.round();
            byte[] earlier = honestSignatures.putIfAbsent(key, request.message());
            if (earlier != null && !Arrays.equals(earlier, request.message())) {
                violation("honest validator " + index + " signed two different " + request.kind() + " messages in round " + request.round());
            }
            return sig;
        }

        @Override
        public Optional<byte[]> safetyData() {
            return inner.safetyData();
        }
    }

    // ---- network -------------------------------------------------------------------------------------------------

    private void outgoing(Instance from, int to, ConsensusMessage m) {
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
        byte[] payload = ("conflict/" + rng.nextLong()).getBytes(StandardCharsets.US_ASCII);
        // The conflicting block carries the schedule its own chain calls for, so that only the voting rules can stop it.
        List<Integer> schedule = rollback && epochs != null
                ? node.rm.scheduleChain().expected(b.round(), Block.genesis(EPOCH), parent).orElse(List.of()) : b.nextSchedule();
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
            if (rm.counter("safety.conflicting-commit") > 0) {
                violation("validator " + i.index + " was asked to commit a block that does not extend its committed chain");
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
            if (i.honest() && !i.crashed) {
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
        if (Boolean.getBoolean("sim.debug")) {
            for (Instance i : instances) {
                System.out.println("node " + i.index + " " + i.role + " crashed=" + i.crashed + " inc=" + i.incarnation
                        + (i.rm == null ? "" : " round=" + i.rm.round() + " hqc=" + i.rm.highQc().round() + " committed=" + i.rm.committedHeight()
                        + " safety=" + i.rm.safetyRules().data() + " " + i.rm.counters()));
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
                scheduler.executed(), scheduler.now(), List.copyOf(violations), byz, counters, cfg.replayCommand());
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
