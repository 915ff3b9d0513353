package io.backplane.node.consensus.round;

import io.backplane.codec.CodecException;
import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.liveness.LeaderSchedule;
import io.backplane.node.consensus.liveness.Pacemaker;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.round.ConsensusEvent.RoundTimeout;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.ConsensusMessage.Timeout;
import io.backplane.node.consensus.types.ConsensusMessage.VoteMsg;
import io.backplane.node.consensus.types.Limits;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.SyncInfo;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * One validator's consensus state machine (2-chain HotStuff, DiemBFT v4 / Jolteon style). Fed one
 * {@link ConsensusEvent} at a time by a single thread; it answers through {@link Outbound} and {@link TimerService}
 * and hands commits to the {@link Executor} via the {@link BlockTree}.
 * <ul>
 *   <li>A leader proposes on entering its round, extending its high QC (with the TC when the round was entered by timeout).</li>
 *   <li>A replica checks the proposal (leader, signature, certificates, payload limit, validation plugin), asks
 *       {@link SafetyRules} for a vote and sends it to the next round's leader, which aggregates a quorum into a QC.</li>
 *   <li>On a round timeout, or when more than 1/3 of the stake has timed out, it broadcasts a signed timeout; a
 *       quorum of timeouts aggregates into a TC.</li>
 *   <li>Blocks it lacks are fetched from the peer that referred to them.</li>
 * </ul>
 * Hostile input (bad signatures, wrong rounds, equivocation, unknown blocks, replays, oversized payloads) is rejected
 * and counted under {@code rejected.*} / {@code ignored.*} in {@link #counters()}; it never throws out of {@link #handle}.
 */
public final class RoundManager {
    private static final int MAX_STASHED = 256;
    /** Most rounds ahead of its own a node accepts a proposal, vote or timeout for (more is dropped before any check). */
    static final long MAX_ROUNDS_AHEAD = 1000;

    private final int self;
    private final long epoch;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final SafetyRules safety;
    private final LeaderSchedule leaders;
    private final ProposalValidator validator;
    private final Outbound out;
    private final TimerService timers;
    private final LongSupplier clockMs;
    private final PayloadSource payloads;
    private final BlockStore store;
    private final ConsensusConfig config;
    private final BlockTree tree;
    private final Pacemaker pacemaker;
    private final Block genesis;
    /** Committed leader schedules; null when the fixed {@link LeaderSchedule} decides (no schedule epochs). */
    private final ScheduleChain schedules;

    private final Map<String, Long> counters = new TreeMap<>();
    private final Map<Long, Map<Integer, Vote>> votesByRound = new HashMap<>();
    private final Map<Long, Map<BlockId, BitSet>> doneQcs = new HashMap<>();
    private final Map<Long, Map<Integer, TimeoutMsg>> timeoutsByRound = new HashMap<>();
    private final Map<Long, BlockId> proposalSeen = new HashMap<>();
    private final Map<BlockId, List<MessageReceived>> waitingForParent = new HashMap<>();
    private final Map<BlockId, QuorumCert> pendingQcs = new HashMap<>();
    private final Map<BlockId, Long> fetchAskedAtRound = new HashMap<>();
    private final Map<Integer, Long> syncSentAtRound = new HashMap<>();
    /** Vote signatures checked ahead in one batch by {@link #handleAll}; consumed as each vote is handled. */
    private final Map<Vote, Boolean> preVerified = new IdentityHashMap<>();
    /** The safety rules' certificate verifier: its cache holds only certificates it checked itself. */
    private final CertificateVerifier certs;
    private final Deque<MessageReceived> selfQueue = new ArrayDeque<>();
    private TimeoutMsg myTimeout;
    private boolean timedOut;
    private long timerGeneration;
    private boolean started;

    public RoundManager(int self, ValidatorSet validators, QuorumCrypto crypto, SafetyRules safety, LeaderSchedule leaders,
                        ProposalValidator validator, Outbound out, TimerService timers, LongSupplier clockMs,
                        PayloadSource payloads, Executor executor, BlockStore store, ConsensusConfig config) {
        this(self, validators, crypto, safety, leaders, validator, out, timers, clockMs, payloads, executor, store, config, null);
    }

    /**
     * As above; with {@code epochs} non-null the leaders come from committed schedules ({@link ScheduleChain}) and
     * {@code leaders} is not used.
     */
    public RoundManager(int self, ValidatorSet validators, QuorumCrypto crypto, SafetyRules safety, LeaderSchedule leaders,
                        ProposalValidator validator, Outbound out, TimerService timers, LongSupplier clockMs,
                        PayloadSource payloads, Executor executor, BlockStore store, ConsensusConfig config, EpochConfig epochs) {
        if (!validators.contains(self)) {
            throw new IllegalArgumentException("validator index " + self + " is not in a set of " + validators.size());
        }
        this.self = self;
        this.epoch = validators.epoch();
        this.validators = validators;
        this.crypto = crypto;
        this.safety = safety;
        this.certs = safety.certificates();
        if (certs.epoch() != epoch || certs.validators().size() != validators.size()) {
            throw new IllegalArgumentException("the safety rules verify certificates of epoch " + certs.epoch() + " (" + certs.validators().size()
                    + " validators), the round manager runs epoch " + epoch + " (" + validators.size() + ")");
        }
        this.leaders = leaders;
        this.validator = validator;
        this.out = out;
        this.timers = timers;
        this.clockMs = clockMs;
        this.payloads = payloads;
        this.store = store;
        this.config = config;
        this.genesis = Block.genesis(epoch);
        this.tree = new BlockTree(genesis, executor);
        this.pacemaker = new Pacemaker(config.baseRoundTimeoutMs(), config.maxBackoffExponent());
        this.schedules = epochs == null ? null : new ScheduleChain(epochs, validators, genesis);
    }

    /** The leader of {@code round} for a block extending {@code parent} (the parent matters only with schedule epochs). */
    private OptionalInt leaderOf(long round, BlockId parent) {
        return schedules == null ? leaders.leader(epoch, round) : schedules.leader(round, parent);
    }

    private void inserted0(Block b) {
        if (schedules != null) {
            schedules.inserted(b, tree.get(b.parentId()));
        }
    }

    /**
     * Restores the blocks and high QC from the {@link BlockStore} (after a restart) and enters the round after the
     * highest QC. Call once, before any event.
     */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        List<Block> saved = new ArrayList<>(store.blocks());
        saved.sort(Comparator.comparingLong(Block::round));
        for (Block b : saved) {
            if (tree.insert(b) == BlockTree.InsertResult.INSERTED) {
                inserted0(b);
                applyQc(b.parentQc());
            }
        }
        store.highQc().filter(qc -> tree.contains(qc.blockId())).ifPresent(this::applyQc);
        store.highTc().ifPresent(tree::updateHighTc);
        long tcNext = tree.highTc() == null ? 0 : tree.highTc().round() + 1;
        advance(Math.max(1, Math.max(tree.highQc().round() + 1, tcNext)), tree.highQc().round() + 1 >= tcNext);
        drain();
    }

    /** Processes one event; never throws for hostile input. */
    public void handle(ConsensusEvent event) {
        if (!started) {
            start();
        }
        dispatch(event);
        drain();
    }

    /**
     * Processes events that arrived together, in order, exactly as {@link #handle} would one by one; the signatures of
     * the votes among them are first checked in one {@link QuorumCrypto#verifyEach} call (batch verification on an
     * accelerated backend), whose answers are per vote, so a forged vote is rejected alone. Never throws for hostile input.
     */
    public void handleAll(List<ConsensusEvent> events) {
        List<Vote> batch = new ArrayList<>();
        for (ConsensusEvent e : events) {
            // Only votes the cheap checks of onVote would not drop anyway are worth a signature check.
            if (e instanceof MessageReceived m && m.message() instanceof VoteMsg vm && vm.vote() != null) {
                Vote v = vm.vote();
                if (v.epoch() == epoch && validators.contains(v.voter()) && v.round() + 1 >= pacemaker.round()) {
                    batch.add(v);
                }
            }
        }
        if (batch.size() > 1) {
            try {
                int[] signers = new int[batch.size()];
                List<byte[]> messages = new ArrayList<>(batch.size());
                List<byte[]> signatures = new ArrayList<>(batch.size());
                for (int i = 0; i < signers.length; i++) {
                    signers[i] = batch.get(i).voter();
                    messages.add(batch.get(i).signedMessage());
                    signatures.add(batch.get(i).signature());
                }
                boolean[] ok = crypto.verifyEach(signers, messages, signatures);
                for (int i = 0; i < ok.length; i++) {
                    preVerified.put(batch.get(i), ok[i]);
                }
            } catch (CodecException | IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
                preVerified.clear(); // a malformed vote spoiled the batch: each vote is checked alone below
            }
        }
        try {
            for (ConsensusEvent e : events) {
                handle(e);
            }
        } finally {
            preVerified.clear();
        }
    }

    private void drain() {
        while (!selfQueue.isEmpty()) {
            dispatch(selfQueue.poll());
        }
    }

    private void dispatch(ConsensusEvent event) {
        try {
            switch (event) {
                case RoundTimeout t -> onRoundTimeout(t);
                case MessageReceived m -> onMessage(m);
            }
        } catch (BlockTree.ConflictingCommitException e) {
            count("safety.conflicting-commit");
        } catch (CodecException | IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            count("rejected.malformed");
        }
    }

    private void onMessage(MessageReceived m) {
        if (!validators.contains(m.from())) {
            count("rejected.unknown-sender");
            return;
        }
        switch (m.message()) {
            case Proposal p -> onProposal(m.from(), p, m);
            case VoteMsg v -> onVote(m.from(), v.vote());
            case Timeout t -> onTimeout(m.from(), t.timeout());
            case Sync s -> onSync(m.from(), s.info());
            case BlockRequest r -> onBlockRequest(m.from(), r);
            case BlockResponse r -> onBlockResponse(m.from(), r);
        }
    }

    // ---- rounds ----------------------------------------------------------------------------------------------

    private void advance(long round, boolean byQc) {
        if (!pacemaker.advanceTo(round, byQc)) {
            return;
        }
        count(byQc ? "rounds.by-qc" : "rounds.by-tc");
        timedOut = false;
        myTimeout = null;
        long keepFrom = round - 2;
        votesByRound.keySet().removeIf(r -> r < keepFrom);
        doneQcs.keySet().removeIf(r -> r < keepFrom);
        timeoutsByRound.keySet().removeIf(r -> r < keepFrom);
        proposalSeen.keySet().removeIf(r -> r < keepFrom);
        pendingQcs.values().removeIf(q -> q.round() <= tree.committedRound());
        if (schedules != null) {
            schedules.pruneBelow(tree.root().id(), tree.root().round());
        }
        // Stashed proposals of past rounds can no longer get our vote; their blocks come back through fetches.
        waitingForParent.values().forEach(list -> list.removeIf(m -> m.message() instanceof Proposal p && p.block().round() < round));
        waitingForParent.values().removeIf(List::isEmpty);
        // After a restart in a round we already timed out of: resend that exact timeout (a new one would be refused).
        store.ownTimeout().filter(t -> t.round() == round && t.signature().length > 0).ifPresent(t -> myTimeout = t);
        armTimer();
        OptionalInt leader = leaderOf(round, tree.highQc().blockId());
        if (leader.isEmpty()) {
            count("abstain.leader-undecided");
        } else if (leader.getAsInt() == self) {
            propose(round);
        }
    }

    private void armTimer() {
        timers.schedule(pacemaker.currentTimeoutMs(), new RoundTimeout(pacemaker.round(), ++timerGeneration));
    }

    private void onRoundTimeout(RoundTimeout t) {
        if (t.round() != pacemaker.round() || t.generation() != timerGeneration) {
            return;
        }
        localTimeout();
        retryFetches();
        armTimer();
    }

    /** Asks again, from another signer each time, for blocks that certificates we hold point at. */
    private void retryFetches() {
        int asked = 0;
        for (QuorumCert qc : List.copyOf(pendingQcs.values())) {
            if (asked++ == 4) {
                break;
            }
            BitSet s = qc.signerSet();
            int pick = (int) Math.floorMod(pacemaker.round() + timerGeneration, (long) Math.max(1, s.cardinality()));
            int signer = s.nextSetBit(0);
            for (int k = 0; k < pick; k++) {
                signer = s.nextSetBit(signer + 1);
            }
            fetchAskedAtRound.remove(qc.blockId());
            fetch(qc.blockId(), signer);
        }
    }

    private void localTimeout() {
        long round = pacemaker.round();
        timedOut = true;
        if (myTimeout == null || myTimeout.round() != round) {
            Optional<TimeoutMsg> t = signTimeout(round);
            if (t.isEmpty()) {
                count("timeout.refused");
                return;
            }
            myTimeout = t.get();
            store.saveOwnTimeout(myTimeout);
            count("timeouts.signed");
        }
        Map<Integer, TimeoutMsg> mine = timeoutsByRound.get(round);
        if (mine == null || !mine.containsKey(self)) {
            selfQueue.add(new MessageReceived(self, new Timeout(myTimeout)));
        }
        out.broadcast(new Timeout(myTimeout));
    }

    /**
     * Signs this round's timeout. What it will sign (round, high QC, TC) is saved <em>before</em> signing: after a crash
     * between the signature and the save, the restarted node signs those very bytes again (the guard returns the same
     * signature) instead of a timeout with a changed high QC, which the guard would refuse.
     */
    private Optional<TimeoutMsg> signTimeout(long round) {
        Optional<TimeoutMsg> saved = store.ownTimeout().filter(x -> x.round() == round);
        if (saved.isPresent()) {
            Optional<TimeoutMsg> again = safety.timeout(round, saved.get().highQc(), saved.get().highTc());
            if (again.isPresent()) {
                count("timeouts.resigned");
                return again;
            }
        }
        TimeoutCert tc = tree.highTc() != null && tree.highTc().round() == round - 1 ? tree.highTc() : null;
        store.saveOwnTimeout(new TimeoutMsg(epoch, round, tree.highQc(), tc, self, new byte[0]));
        return safety.timeout(round, tree.highQc(), tc);
    }

    private void propose(long round) {
        QuorumCert qc = tree.highQc();
        TimeoutCert tc = tree.highTc() != null && tree.highTc().round() == round - 1 ? tree.highTc() : null;
        if (qc.round() + 1 != round && tc == null) {
            count("propose.no-justification");
            return;
        }
        if (tc != null && qc.round() < tc.highQc().round()) {
            // Voters would refuse a block below the TC's highest QC; we are still fetching that QC's block.
            count("propose.behind-tc");
            return;
        }
        Block parent = tree.get(qc.blockId());
        long ts = Math.max(clockMs.getAsLong(), parent.timestampMs());
        List<Integer> nextSchedule = List.of();
        if (schedules != null) {
            Optional<List<Integer>> s = schedules.expected(round, parent, qc);
            if (s.isEmpty()) {
                count("abstain.schedule-undecided");
                return;
            }
            nextSchedule = s.get();
        }
        Block unsigned = new Block(epoch, round, qc, payloads.nextPayload(round), self, ts, nextSchedule, new byte[0]);
        Optional<byte[]> sig = safety.signProposal(unsigned);
        if (sig.isEmpty()) {
            count("propose.refused");
            return;
        }
        Proposal p = new Proposal(unsigned.withSignature(sig.get()), tc);
        count("proposals.made");
        out.broadcast(p);
        selfQueue.add(new MessageReceived(self, p));
    }

    // ---- proposals ---------------------------------------------------------------------------------------------

    /**
     * A proposal is checked before anything of it is kept: rounds bounded ahead, the author is the leader, the
     * signature, a justified round (r = q + 1 or r = tc.round + 1), its certificates, the current round, one block
     * per round (equivocation), the payload and schedule checks; only then is it stored and voted for. A proposal
     * whose parent is missing waits in a bounded stash (at most one per round) while the parent is fetched.
     */
    private void onProposal(int from, Proposal p, MessageReceived original) {
        Block b = p.block();
        if (b.epoch() != epoch || b.isGenesis()) {
            count("rejected.wrong-epoch");
            return;
        }
        if (b.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count("rejected.proposal-too-far-ahead");
            return;
        }
        if (b.payloadSize() > config.maxPayloadBytes()) {
            count("rejected.oversized-payload");
            return;
        }
        // With schedule epochs the leader depends on the parent's chain: unknown parent, checked when the parent arrives.
        if (schedules == null || tree.contains(b.parentId())) {
            OptionalInt leader = leaderOf(b.round(), b.parentId());
            if (leader.isEmpty()) {
                count("abstain.leader-undecided");
                return;
            }
            if (leader.getAsInt() != b.author()) {
                count("rejected.not-leader");
                return;
            }
        }
        boolean byQc = b.round() == b.parentQc().round() + 1;
        if (!byQc && (p.tc() == null || p.tc().round() + 1 != b.round())) {
            count("rejected.unjustified-round");
            return;
        }
        if (!crypto.verify(b.author(), SigningMessages.proposal(epoch, b.round(), b.id()), b.signature())) {
            count("rejected.bad-signature");
            return;
        }
        if (!verifyQc(b.parentQc())) {
            count("rejected.bad-qc");
            return;
        }
        if (p.tc() != null && !verifyTc(p.tc())) {
            count("rejected.bad-tc");
            return;
        }
        processQc(b.parentQc(), from);
        if (p.tc() != null) {
            processTc(p.tc(), from);
        }
        if (b.round() < pacemaker.round()) {
            count("ignored.proposal-not-current-round");
            sendSync(from);
            return;
        }
        boolean parentKnown = tree.contains(b.parentId());
        if (b.round() > pacemaker.round() && parentKnown) {
            // Its certificates would have brought us to its round had they been enough: nothing to vote for.
            count("ignored.proposal-not-current-round");
            return;
        }
        BlockId seen = proposalSeen.putIfAbsent(b.round(), b.id());
        if (seen != null && !seen.equals(b.id())) {
            count("rejected.equivocating-leader");
            return;
        }
        if (!parentKnown) {
            // Round ahead of ours only because the QC's block is being fetched: wait for it (bounded, one per round).
            stash(b.parentId(), original);
            fetch(b.parentId(), from);
            return;
        }
        if (seen != null && tree.contains(b.id())) {
            count("ignored.duplicate-proposal");
            return;
        }
        switch (validator.validate(b)) {
            case REJECT -> {
                count("rejected.validator");
                return;
            }
            case UNDECIDED -> {
                count("abstain.validator-undecided");
                return;
            }
            case ACCEPT -> {
            }
        }
        if (schedules != null) {
            switch (schedules.check(b, tree.get(b.parentId()))) {
                case MISMATCH -> {
                    count("rejected.schedule-mismatch");
                    return;
                }
                case UNDECIDED -> {
                    count("abstain.schedule-undecided");
                    return;
                }
                case OK -> {
                }
            }
        }
        switch (tree.insert(b)) {
            case MISSING_PARENT, STALE -> {
                count("ignored.stale-proposal");
                return;
            }
            case INVALID -> {
                count("rejected.bad-structure");
                return;
            }
            case DUPLICATE -> {
            }
            case INSERTED -> inserted(b);
        }
        Optional<Vote> vote = safety.vote(b, p.tc());
        if (vote.isEmpty()) {
            count("vote.refused");
            return;
        }
        count("votes.cast");
        OptionalInt next = leaderOf(b.round() + 1, b.id());
        if (next.isEmpty()) {
            count("abstain.leader-undecided");
        } else if (next.getAsInt() == self) {
            selfQueue.add(new MessageReceived(self, new VoteMsg(vote.get())));
        } else {
            out.send(next.getAsInt(), new VoteMsg(vote.get()));
        }
    }

    private void inserted(Block b) {
        inserted0(b);
        store.saveBlock(b);
        QuorumCert qc = pendingQcs.remove(b.id());
        if (qc != null) {
            applyQc(qc);
            advance(qc.round() + 1, true);
        }
        List<MessageReceived> waiting = waitingForParent.remove(b.id());
        if (waiting != null) {
            selfQueue.addAll(waiting);
        }
    }

    private void stash(BlockId parent, MessageReceived m) {
        int total = waitingForParent.values().stream().mapToInt(List::size).sum();
        if (total >= MAX_STASHED) {
            count("ignored.stash-full");
            return;
        }
        waitingForParent.computeIfAbsent(parent, k -> new ArrayList<>()).add(m);
    }

    // ---- votes and QCs -----------------------------------------------------------------------------------------

    private void onVote(int from, Vote v) {
        if (v.epoch() != epoch || !validators.contains(v.voter())) {
            count("rejected.wrong-epoch");
            return;
        }
        if (v.round() + 1 < pacemaker.round()) {
            count("ignored.stale-vote");
            return;
        }
        // With schedule epochs, a vote for a block we do not hold yet cannot be routed-checked; it is kept (and verified).
        if (schedules == null || tree.contains(v.blockId())) {
            OptionalInt next = leaderOf(v.round() + 1, v.blockId());
            if (next.isEmpty() || next.getAsInt() != self) {
                count("rejected.vote-not-for-me");
                return;
            }
        }
        if (v.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count("rejected.vote-too-far-ahead");
            return;
        }
        Map<Integer, Vote> votes = votesByRound.computeIfAbsent(v.round(), r -> new HashMap<>());
        Vote earlier = votes.get(v.voter());
        if (earlier != null) {
            count(earlier.blockId().equals(v.blockId()) ? "ignored.duplicate-vote" : "rejected.equivocating-vote");
            return;
        }
        Boolean checked = preVerified.remove(v);
        if (!(checked != null ? checked : crypto.verify(v.voter(), v.signedMessage(), v.signature()))) {
            count("rejected.bad-signature");
            return;
        }
        count("votes.verified");
        if (!tree.contains(v.blockId())) {
            // Kept: a quorum certifies the block even if its proposal has not reached us yet; we fetch it then.
            count("votes.for-unknown-block");
        }
        votes.put(v.voter(), v);
        Map<BlockId, BitSet> done = doneQcs.computeIfAbsent(v.round(), r -> new HashMap<>());
        if (done.containsKey(v.blockId())) {
            return;
        }
        BitSet signers = new BitSet();
        List<byte[]> sigs = new ArrayList<>();
        for (int i = 0; i < validators.size(); i++) {
            Vote x = votes.get(i);
            if (x != null && x.blockId().equals(v.blockId())) {
                signers.set(i);
                sigs.add(x.signature());
            }
        }
        if (!validators.hasQuorum(signers)) {
            return;
        }
        done.put(v.blockId(), signers);
        QuorumCert qc = new QuorumCert(epoch, v.round(), v.blockId(), Bitmaps.encode(signers, validators.size()), crypto.aggregate(sigs));
        count("qcs.formed");
        processQc(qc, from);
    }

    private boolean verifyQc(QuorumCert qc) {
        long before = certs.checks();
        boolean ok = certs.verifyQc(qc);
        if (certs.checks() > before) {
            count(ok ? "certs.verified" : "rejected.bad-qc-signature");
        }
        return ok;
    }

    /**
     * A verified QC: remember it, advance, commit; or, when its block is missing, fetch the block first and advance
     * only once it is here (a node in a round whose QC block it lacks could neither propose nor vote on it; it keeps
     * timing out in its round meanwhile).
     */
    private void processQc(QuorumCert qc, int from) {
        if (qc.isGenesis()) {
            return;
        }
        if (tree.contains(qc.blockId())) {
            applyQc(qc);
            advance(qc.round() + 1, true);
        } else {
            QuorumCert known = pendingQcs.get(qc.blockId());
            if (known == null && pendingQcs.size() < MAX_STASHED && qc.round() > tree.committedRound()) {
                pendingQcs.put(qc.blockId(), qc);
            }
            count("sync.qc-for-missing-block");
            fetch(qc.blockId(), from == self ? firstSigner(qc) : from);
        }
    }

    private int firstSigner(QuorumCert qc) {
        BitSet s = qc.signerSet();
        for (int i = s.nextSetBit(0); i >= 0; i = s.nextSetBit(i + 1)) {
            if (i != self) {
                return i;
            }
        }
        return self;
    }

    private void applyQc(QuorumCert qc) {
        if (qc.isGenesis()) {
            return;
        }
        long before = tree.highQc().round();
        tree.updateHighQc(qc);
        if (tree.highQc().round() > before) {
            store.saveHighQc(qc);
        }
        List<Block> committed = tree.commitWith(qc);
        if (!committed.isEmpty()) {
            count("blocks.committed", committed.size());
        }
    }

    // ---- timeouts and TCs --------------------------------------------------------------------------------------

    private void onTimeout(int from, TimeoutMsg t) {
        if (t.epoch() != epoch || !validators.contains(t.author())) {
            count("rejected.wrong-epoch");
            return;
        }
        if (t.highQc().round() >= t.round()) {
            count("rejected.bad-structure");
            return;
        }
        if (t.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count("rejected.timeout-too-far-ahead");
            return;
        }
        Map<Integer, TimeoutMsg> forRound = timeoutsByRound.get(t.round());
        if (forRound != null && forRound.containsKey(t.author())) {
            count("ignored.duplicate-timeout");
            return;
        }
        if (t.round() < pacemaker.round() - 1) {
            count("ignored.stale-timeout");
            sendSync(from);
            return;
        }
        if (!crypto.verify(t.author(), t.signedMessage(), t.signature())) {
            count("rejected.bad-signature");
            return;
        }
        if (!verifyQc(t.highQc()) || (t.highTc() != null && !verifyTc(t.highTc()))) {
            count("rejected.bad-qc");
            return;
        }
        count("timeouts.verified");
        processQc(t.highQc(), from);
        if (t.highTc() != null) {
            processTc(t.highTc(), from);
        }
        if (t.round() < pacemaker.round()) {
            sendSync(from);
            return;
        }
        forRound = timeoutsByRound.computeIfAbsent(t.round(), r -> new TreeMap<>());
        forRound.put(t.author(), t);
        BitSet signers = new BitSet();
        forRound.keySet().forEach(signers::set);
        long stake = validators.stakeOf(signers);
        if (t.round() == pacemaker.round() && !timedOut && stake >= validators.weakQuorumStake()) {
            // More than 1/3 gave up on this round: at least one honest node did, so join it (Bracha-style).
            count("timeouts.joined");
            localTimeout();
        }
        if (stake >= validators.quorumStake() && t.round() >= pacemaker.round()) {
            List<TimeoutCert.Entry> entries = new ArrayList<>();
            List<byte[]> sigs = new ArrayList<>();
            QuorumCert highest = null;
            for (TimeoutMsg x : forRound.values()) {
                entries.add(new TimeoutCert.Entry(x.author(), x.highQc().round()));
                sigs.add(x.signature());
                if (highest == null || x.highQc().round() > highest.round()) {
                    highest = x.highQc();
                }
            }
            TimeoutCert tc = new TimeoutCert(epoch, t.round(), highest, entries, crypto.aggregate(sigs));
            count("tcs.formed");
            processTc(tc, from);
        }
    }

    private boolean verifyTc(TimeoutCert tc) {
        long before = certs.checks();
        boolean ok = certs.verifyTc(tc);
        if (certs.checks() > before) {
            count(ok ? "certs.verified" : "rejected.bad-tc-signature");
        }
        return ok;
    }

    /** A verified TC: process the highest QC it carries, remember it, and enter the round after it. */
    private void processTc(TimeoutCert tc, int from) {
        processQc(tc.highQc(), from);
        TimeoutCert before = tree.highTc();
        tree.updateHighTc(tc);
        if (tree.highTc() != before) {
            store.saveHighTc(tc);
        }
        advance(tc.round() + 1, false);
    }

    // ---- sync ---------------------------------------------------------------------------------------------------

    private void sendSync(int to) {
        if (to == self) {
            return;
        }
        Long last = syncSentAtRound.get(to);
        if (last != null && last == pacemaker.round()) {
            return;
        }
        syncSentAtRound.put(to, pacemaker.round());
        out.send(to, new Sync(new SyncInfo(tree.highQc(), tree.highTc())));
    }

    private void onSync(int from, SyncInfo info) {
        if (!verifyQc(info.highQc()) || (info.highTc() != null && !verifyTc(info.highTc()))) {
            count("rejected.bad-qc");
            return;
        }
        processQc(info.highQc(), from);
        if (info.highTc() != null) {
            processTc(info.highTc(), from);
        }
    }

    private void fetch(BlockId id, int from) {
        if (from == self) {
            return;
        }
        Long asked = fetchAskedAtRound.get(id);
        if (asked != null && asked == pacemaker.round()) {
            return;
        }
        if (fetchAskedAtRound.size() > 4 * MAX_STASHED) {
            fetchAskedAtRound.clear();
        }
        fetchAskedAtRound.put(id, pacemaker.round());
        count("sync.block-requests");
        out.send(from, new BlockRequest(id, config.fetchBatch()));
    }

    private void onBlockRequest(int from, BlockRequest r) {
        int n = Math.min(Math.max(r.count(), 1), Limits.MAX_BLOCKS_PER_RESPONSE);
        List<Block> chain = tree.chainFrom(r.id(), n);
        if (!chain.isEmpty()) {
            out.send(from, new BlockResponse(chain));
        }
    }

    /**
     * Keeps only the blocks this node must fetch: one a certificate it holds or a proposal it stashed points at (or
     * one it asked for), and, walking down, each wanted block's parent. Anything else in a response is dropped
     * unchecked, so a peer cannot make it store blocks nobody certified.
     */
    private void onBlockResponse(int from, BlockResponse r) {
        List<Block> byRoundDown = new ArrayList<>(r.blocks());
        byRoundDown.sort(Comparator.comparingLong(Block::round).reversed());
        java.util.Set<BlockId> wanted = new java.util.HashSet<>(pendingQcs.keySet());
        wanted.addAll(waitingForParent.keySet());
        wanted.addAll(fetchAskedAtRound.keySet());
        List<Block> blocks = new ArrayList<>();
        for (Block b : byRoundDown) {
            if (wanted.contains(b.id()) && !tree.contains(b.id())) {
                blocks.add(0, b);
                wanted.add(b.parentId());
            } else if (!tree.contains(b.id())) {
                count("ignored.unrequested-block");
            }
        }
        Block oldestMissing = null;
        for (Block b : blocks) {
            OptionalInt leader = schedules != null && !tree.contains(b.parentId()) ? OptionalInt.of(b.author()) : leaderOf(b.round(), b.parentId());
            if (b.epoch() != epoch || b.isGenesis() || leader.isEmpty() || leader.getAsInt() != b.author()
                    || !crypto.verify(b.author(), SigningMessages.proposal(epoch, b.round(), b.id()), b.signature())
                    || !verifyQc(b.parentQc())) {
                count("rejected.bad-fetched-block");
                return;
            }
            switch (tree.insert(b)) {
                case INSERTED -> {
                    count("sync.blocks-fetched");
                    processQc(b.parentQc(), from);
                    inserted(b);
                }
                case MISSING_PARENT -> {
                    if (oldestMissing == null) {
                        oldestMissing = b;
                    }
                }
                case INVALID -> {
                    count("rejected.bad-fetched-block");
                    return;
                }
                default -> {
                }
            }
        }
        if (oldestMissing != null) {
            fetchAskedAtRound.remove(oldestMissing.parentId());
            fetch(oldestMissing.parentId(), from);
        }
    }

    // ---- views -----------------------------------------------------------------------------------------------

    private void count(String name) {
        count(name, 1);
    }

    private void count(String name, long n) {
        counters.merge(name, n, Long::sum);
    }

    /** Counters by name (rejections, votes, certificates, commits); a copy. */
    public Map<String, Long> counters() {
        return new TreeMap<>(counters);
    }

    public long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }

    public int self() {
        return self;
    }

    public long round() {
        return pacemaker.round();
    }

    public long committedRound() {
        return tree.committedRound();
    }

    public long committedHeight() {
        return tree.committedHeight();
    }

    public QuorumCert highQc() {
        return tree.highQc();
    }

    /** The leader of {@code round} for a block extending {@code parent}, as this node sees it (empty: undecided). */
    public OptionalInt leaderFor(long round, BlockId parent) {
        return leaderOf(round, parent);
    }

    /** The committed schedules, or null without schedule epochs. */
    public ScheduleChain scheduleChain() {
        return schedules;
    }

    public BlockTree blockTree() {
        return tree;
    }

    public SafetyRules safetyRules() {
        return safety;
    }
}
