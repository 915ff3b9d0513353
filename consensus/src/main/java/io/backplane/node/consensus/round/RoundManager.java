package io.backplane.node.consensus.round;

import io.backplane.codec.CodecException;
import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.liveness.LeaderSchedule;
import io.backplane.node.consensus.liveness.Pacemaker;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.round.ConsensusEvent.LedgerProgress;
import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.round.ConsensusEvent.RoundTimeout;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.SafetyRules;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
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
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import static io.backplane.node.consensus.round.ConsensusCounter.*;

/**
 * One validator's consensus state machine (2-chain HotStuff, DiemBFT v4 / Jolteon style), fed one {@link ConsensusEvent}
 * at a time by a single thread. Its handlers below follow DESIGN.md §4: a leader proposes on entering its round; a
 * replica checks a proposal and votes through {@link SafetyRules}; the next leader aggregates votes into a QC; a node
 * that gives up on a round broadcasts a timeout and a quorum of timeouts forms a TC; a QC on a child made in the next
 * round commits the parent (2-chain) and committed blocks go to the {@link LedgerHandoff}; blocks it lacks are fetched.
 * The jobs around the handlers are its collaborators: {@link VoteAggregator}, {@link TimeoutAggregator},
 * {@link CertificateChecks}, {@link BlockSync}, {@link LeaderSource}, {@link LedgerFeed} and the {@link BlockTree}.
 * It talks to the world only through {@link Outbound}, {@link TimerService}, {@link TimeSource}, {@link PayloadSource},
 * {@link BlockStore}, {@link LedgerHandoff} and {@link ConsensusMetrics}; build it with {@link #builder}.
 * Hostile input (bad signatures, wrong rounds, equivocation, unknown blocks, replays, oversized payloads) is rejected and
 * counted ({@link ConsensusCounter}); it never throws out of {@link #handle}.
 */
public final class RoundManager {
    /** Most rounds ahead of its own a node accepts a proposal, vote or timeout for (more is dropped before any check). */
    static final long MAX_ROUNDS_AHEAD = 1000;

    private final int self;
    private final long epoch;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final SafetyRules safety;
    private final LeaderSource leaders;
    private final ProposalValidator validator;
    private final Outbound out;
    private final TimerService timers;
    private final TimeSource clock;
    private final PayloadSource payloads;
    private final BlockStore store;
    private final LedgerHandoff ledger;
    private final ConsensusConfig config;
    private final Block genesis;
    private BlockTree tree;
    private final Pacemaker pacemaker;
    private final CountingMetrics totals = new CountingMetrics();
    private final ConsensusMetrics metrics;
    private final CertificateChecks certs;
    private final VoteAggregator votes;
    private final TimeoutAggregator timeouts;
    private final BlockSync sync;
    private LedgerFeed feed;
    private final Deque<MessageReceived> selfQueue = new ArrayDeque<>();
    /** The first proposal seen per round (a second, different one is equivocation). */
    private final Map<Long, BlockId> proposalSeen = new HashMap<>();
    private final View view = new View();
    private TimeoutMsg myTimeout;
    private boolean timedOut;
    private long timerGeneration;
    /** The round whose proposal was held back because the ledger hand-off was full (-1: none). */
    private long heldBackRound = -1;
    private boolean started;

    /** The builder: the validator, its keys' rules and crypto here; the world's interfaces on the builder. */
    public static Builder builder(int self, ValidatorSet validators, QuorumCrypto crypto, SafetyRules safety) {
        return new Builder(self, validators, crypto, safety);
    }

    private RoundManager(Builder b) {
        if (!b.validators.contains(b.self)) {
            throw new IllegalArgumentException("validator index " + b.self + " is not in a set of " + b.validators.size());
        }
        this.self = b.self;
        this.epoch = b.validators.epoch();
        this.validators = b.validators;
        this.crypto = b.crypto;
        this.safety = b.safety;
        CertificateVerifier verifier = safety.certificates();
        if (verifier.epoch() != epoch || verifier.validators().size() != validators.size()) {
            throw new IllegalArgumentException("the safety rules verify certificates of epoch " + verifier.epoch() + " (" + verifier.validators().size()
                    + " validators), the round manager runs epoch " + epoch + " (" + validators.size() + ")");
        }
        this.genesis = Block.genesis(epoch);
        this.leaders = b.leaderSchedule != null ? LeaderSource.fixed(epoch, b.leaderSchedule)
                : LeaderSource.committed(b.epochs, validators, genesis);
        this.validator = b.validator;
        this.out = b.out;
        this.timers = b.timers;
        this.clock = b.clock;
        this.payloads = b.payloads;
        this.store = b.store;
        this.ledger = b.ledger;
        this.config = b.config;
        ConsensusMetrics external = b.metrics;
        this.metrics = new ConsensusMetrics() {
            @Override
            public void count(ConsensusCounter counter, long n) {
                totals.count(counter, n);
                external.count(counter, n);
            }

            @Override
            public void roundEntered(long round, boolean byQc) {
                external.roundEntered(round, byQc);
            }

            @Override
            public void committed(Block block, long height) {
                external.committed(block, height);
            }
        };
        this.tree = new BlockTree(genesis, 0);
        this.pacemaker = new Pacemaker(config.baseRoundTimeoutMs(), config.maxBackoffExponent());
        this.certs = new CertificateChecks(verifier, metrics);
        this.votes = new VoteAggregator(epoch, validators, crypto);
        this.timeouts = new TimeoutAggregator(epoch, validators, crypto);
        this.sync = new BlockSync(self, out, config, metrics);
    }

    // ---- start and events ---------------------------------------------------------------------------------------

    /**
     * Restores what the {@link BlockStore} kept (after a restart): the committed tip becomes the tree's root, the leader
     * schedules are rebuilt from a bounded window of committed blocks, the uncommitted tail is re-inserted, and the ledger
     * is handed the committed blocks it has not taken (from the store, as it has room); then it enters the round after
     * the highest certificate. Never reads the whole chain. Call once, before any event (the first event calls it).
     */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        BlockStore.Snapshot saved = store.load();
        long height = saved.committedHeight();
        if (height > 0) {
            tree = new BlockTree(saved.committedTip().orElseThrow(), height);
            long from = Math.max(1, height - leaders.restoreWindow() + 1);
            if (leaders.restoreWindow() > 0) {
                leaders.restore(store.committedRange(from, height), from == 1);
            }
        }
        feed = new LedgerFeed(ledger, store, height);
        feed.flush();
        List<Block> tail = new ArrayList<>(saved.uncommitted());
        tail.sort(Comparator.comparingLong(Block::round));
        for (Block b : tail) {
            if (tree.insert(b) == BlockTree.InsertResult.INSERTED) {
                leaders.inserted(b, tree.get(b.parentId()));
                applyQc(b.parentQc());
            }
        }
        saved.highQc().filter(qc -> tree.contains(qc.blockId())).ifPresent(this::applyQc);
        saved.highTc().ifPresent(tree::updateHighTc);
        if (!tree.contains(tree.highQc().blockId())) {
            throw new IllegalStateException("block store: committed up to height " + height + " (round " + tree.committedRound()
                    + ") but no QC for a block it holds (high QC " + tree.highQc() + ")");
        }
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
        votes.preVerify(batch);
        try {
            for (ConsensusEvent e : events) {
                handle(e);
            }
        } finally {
            votes.clearPreVerified();
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
                case LedgerProgress p -> onLedgerProgress();
            }
        } catch (BlockTree.ConflictingCommitException e) {
            count(SAFETY_CONFLICTING_COMMIT);
        } catch (CodecException | IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            count(REJECTED_MALFORMED);
        }
    }

    private void onMessage(MessageReceived m) {
        if (!validators.contains(m.from())) {
            count(REJECTED_UNKNOWN_SENDER);
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

    // ---- rounds and proposing -------------------------------------------------------------------------------------

    private void advance(long round, boolean byQc) {
        if (!pacemaker.advanceTo(round, byQc)) {
            return;
        }
        count(byQc ? ROUNDS_BY_QC : ROUNDS_BY_TC);
        metrics.roundEntered(round, byQc);
        timedOut = false;
        myTimeout = null;
        long keepFrom = round - 2;
        votes.pruneBelow(keepFrom);
        timeouts.pruneBelow(keepFrom);
        proposalSeen.keySet().removeIf(r -> r < keepFrom);
        sync.enteredRound(round, tree.committedRound());
        leaders.pruneBelow(tree.root());
        // After a restart in a round we already timed out of: resend that exact timeout (a new one would be refused).
        store.ownTimeout().filter(t -> t.round() == round && t.signature().length > 0).ifPresent(t -> myTimeout = t);
        armTimer();
        OptionalInt leader = leaders.leader(round, tree.highQc().blockId());
        if (leader.isEmpty()) {
            count(ABSTAIN_LEADER_UNDECIDED);
        } else if (leader.getAsInt() == self) {
            propose(round);
        }
    }

    private void propose(long round) {
        QuorumCert qc = tree.highQc();
        TimeoutCert tc = tree.highTc() != null && tree.highTc().round() == round - 1 ? tree.highTc() : null;
        if (qc.round() + 1 != round && tc == null) {
            count(PROPOSE_NO_JUSTIFICATION);
            return;
        }
        if (tc != null && qc.round() < tc.highQc().round()) {
            // Voters would refuse a block below the TC's highest QC; we are still fetching that QC's block.
            count(PROPOSE_BEHIND_TC);
            return;
        }
        if (feed.full()) {
            // Back-pressure: the ledger has not taken what committed. No new blocks from us; we keep voting.
            heldBackRound = round;
            count(PROPOSE_LEDGER_FULL);
            return;
        }
        Block parent = tree.get(qc.blockId());
        long ts = Math.max(clock.nowMs(), parent.timestampMs());
        Optional<List<Integer>> nextSchedule = leaders.nextSchedule(round, parent, qc);
        if (nextSchedule.isEmpty()) {
            count(ABSTAIN_SCHEDULE_UNDECIDED);
            return;
        }
        Block unsigned = new Block(epoch, round, qc, payloads.nextPayload(round), self, ts, nextSchedule.get(), new byte[0]);
        Optional<byte[]> sig = safety.signProposal(unsigned);
        if (sig.isEmpty()) {
            count(PROPOSE_REFUSED);
            return;
        }
        Proposal p = new Proposal(unsigned.withSignature(sig.get()), tc);
        count(PROPOSALS_MADE);
        out.broadcast(p);
        selfQueue.add(new MessageReceived(self, p));
    }

    // ---- proposals and voting -------------------------------------------------------------------------------------

    /**
     * A proposal is checked before anything of it is kept: rounds bounded ahead, the author is the leader, the
     * signature, a justified round (r = q + 1 or r = tc.round + 1), its certificates, the current round, one block
     * per round (equivocation), the payload and schedule checks; only then is it stored and voted for. A proposal
     * whose parent is missing waits in a bounded stash (at most one per round) while the parent is fetched.
     */
    private void onProposal(int from, Proposal p, MessageReceived original) {
        Block b = p.block();
        if (b.epoch() != epoch || b.isGenesis()) {
            count(REJECTED_WRONG_EPOCH);
            return;
        }
        if (b.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count(REJECTED_PROPOSAL_TOO_FAR_AHEAD);
            return;
        }
        if (b.payloadSize() > config.maxPayloadBytes()) {
            count(REJECTED_OVERSIZED_PAYLOAD);
            return;
        }
        // With committed schedules the leader depends on the parent's chain: unknown parent, checked when the parent arrives.
        if (!leaders.needsParent() || tree.contains(b.parentId())) {
            OptionalInt leader = leaders.leader(b.round(), b.parentId());
            if (leader.isEmpty()) {
                count(ABSTAIN_LEADER_UNDECIDED);
                return;
            }
            if (leader.getAsInt() != b.author()) {
                count(REJECTED_NOT_LEADER);
                return;
            }
        }
        boolean byQc = b.round() == b.parentQc().round() + 1;
        if (!byQc && (p.tc() == null || p.tc().round() + 1 != b.round())) {
            count(REJECTED_UNJUSTIFIED_ROUND);
            return;
        }
        if (!crypto.verify(b.author(), SigningMessages.proposal(epoch, b.round(), b.id()), b.signature())) {
            count(REJECTED_BAD_SIGNATURE);
            return;
        }
        if (!certs.qc(b.parentQc())) {
            count(REJECTED_BAD_QC);
            return;
        }
        if (p.tc() != null && !certs.tc(p.tc())) {
            count(REJECTED_BAD_TC);
            return;
        }
        processQc(b.parentQc(), from);
        if (p.tc() != null) {
            processTc(p.tc(), from);
        }
        if (b.round() < pacemaker.round()) {
            count(IGNORED_PROPOSAL_NOT_CURRENT_ROUND);
            sendSync(from);
            return;
        }
        boolean parentKnown = tree.contains(b.parentId());
        if (b.round() > pacemaker.round() && parentKnown) {
            // Its certificates would have brought us to its round had they been enough: nothing to vote for.
            count(IGNORED_PROPOSAL_NOT_CURRENT_ROUND);
            return;
        }
        BlockId seen = proposalSeen.putIfAbsent(b.round(), b.id());
        if (seen != null && !seen.equals(b.id())) {
            count(REJECTED_EQUIVOCATING_LEADER);
            return;
        }
        if (!parentKnown && b.parentQc().round() <= tree.committedRound()) {
            // It extends a committed block below the root or a dead fork: it can never commit (and no honest node votes for it).
            count(IGNORED_STALE_PROPOSAL);
            return;
        }
        if (!parentKnown) {
            // Round ahead of ours only because the QC's block is being fetched: wait for it (bounded, one per round).
            sync.stash(b.parentId(), original);
            sync.fetch(b.parentId(), from, pacemaker.round());
            return;
        }
        if (seen != null && tree.contains(b.id())) {
            count(IGNORED_DUPLICATE_PROPOSAL);
            return;
        }
        switch (validator.validate(b)) {
            case REJECT -> {
                count(REJECTED_VALIDATOR);
                return;
            }
            case UNDECIDED -> {
                count(ABSTAIN_VALIDATOR_UNDECIDED);
                return;
            }
            case ACCEPT -> {
            }
        }
        switch (leaders.check(b, tree.get(b.parentId()))) {
            case MISMATCH -> {
                count(REJECTED_SCHEDULE_MISMATCH);
                return;
            }
            case UNDECIDED -> {
                count(ABSTAIN_SCHEDULE_UNDECIDED);
                return;
            }
            case OK -> {
            }
        }
        switch (tree.insert(b)) {
            case MISSING_PARENT, STALE -> {
                count(IGNORED_STALE_PROPOSAL);
                return;
            }
            case INVALID -> {
                count(REJECTED_BAD_STRUCTURE);
                return;
            }
            case DUPLICATE -> {
            }
            case INSERTED -> inserted(b);
        }
        Optional<Vote> vote = safety.vote(b, p.tc());
        if (vote.isEmpty()) {
            count(VOTE_REFUSED);
            return;
        }
        count(VOTES_CAST);
        OptionalInt next = leaders.leader(b.round() + 1, b.id());
        if (next.isEmpty()) {
            count(ABSTAIN_LEADER_UNDECIDED);
        } else if (next.getAsInt() == self) {
            selfQueue.add(new MessageReceived(self, new VoteMsg(vote.get())));
        } else {
            out.send(next.getAsInt(), new VoteMsg(vote.get()));
        }
    }

    /** A block entered the tree: saved, its schedule state kept, and whatever waited for it (a QC, proposals) resumes. */
    private void inserted(Block b) {
        leaders.inserted(b, tree.get(b.parentId()));
        store.saveBlock(b);
        QuorumCert qc = sync.takeAwaitedQc(b.id());
        if (qc != null) {
            applyQc(qc);
            advance(qc.round() + 1, true);
        }
        List<MessageReceived> waiting = sync.takeWaiting(b.id());
        if (waiting != null) {
            selfQueue.addAll(waiting);
        }
    }

    // ---- votes and QCs ----------------------------------------------------------------------------------------------

    private void onVote(int from, Vote v) {
        if (v.epoch() != epoch || !validators.contains(v.voter())) {
            count(REJECTED_WRONG_EPOCH);
            return;
        }
        if (v.round() + 1 < pacemaker.round()) {
            count(IGNORED_STALE_VOTE);
            return;
        }
        // With committed schedules, a vote for a block we do not hold yet cannot be routing-checked; it is kept (and verified).
        if (!leaders.needsParent() || tree.contains(v.blockId())) {
            OptionalInt next = leaders.leader(v.round() + 1, v.blockId());
            if (next.isEmpty() || next.getAsInt() != self) {
                count(REJECTED_VOTE_NOT_FOR_ME);
                return;
            }
        }
        if (v.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count(REJECTED_VOTE_TOO_FAR_AHEAD);
            return;
        }
        Vote earlier = votes.earlier(v);
        if (earlier != null) {
            count(earlier.blockId().equals(v.blockId()) ? IGNORED_DUPLICATE_VOTE : REJECTED_EQUIVOCATING_VOTE);
            return;
        }
        if (!votes.signatureValid(v)) {
            count(REJECTED_BAD_SIGNATURE);
            return;
        }
        count(VOTES_VERIFIED);
        if (!tree.contains(v.blockId())) {
            // Kept: a quorum certifies the block even if its proposal has not reached us yet; we fetch it then.
            count(VOTES_FOR_UNKNOWN_BLOCK);
        }
        Optional<QuorumCert> qc = votes.add(v);
        if (qc.isPresent()) {
            count(QCS_FORMED);
            processQc(qc.get(), from);
        }
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
        } else if (qc.round() <= tree.committedRound()) {
            // A committed block below the root, or a fork that can no longer commit: nothing to fetch or advance to.
            return;
        } else {
            sync.awaitBlock(qc, tree.committedRound());
            count(SYNC_QC_FOR_MISSING_BLOCK);
            sync.fetch(qc.blockId(), from == self ? sync.otherSigner(qc) : from, pacemaker.round());
        }
    }

    /** Takes a QC whose block is here: the high QC (saved when it rises) and the 2-chain commit rule. */
    private void applyQc(QuorumCert qc) {
        if (qc.isGenesis()) {
            return;
        }
        long before = tree.highQc().round();
        tree.updateHighQc(qc);
        if (tree.highQc().round() > before) {
            store.saveHighQc(qc);
        }
        commit(tree.commitWith(qc));
    }

    // ---- timeouts and TCs ------------------------------------------------------------------------------------------

    private void armTimer() {
        timers.schedule(pacemaker.currentTimeoutMs(), new RoundTimeout(pacemaker.round(), ++timerGeneration));
    }

    private void onRoundTimeout(RoundTimeout t) {
        if (t.round() != pacemaker.round() || t.generation() != timerGeneration) {
            return;
        }
        localTimeout();
        sync.retry(pacemaker.round(), timerGeneration);
        armTimer();
    }

    private void localTimeout() {
        long round = pacemaker.round();
        timedOut = true;
        if (myTimeout == null || myTimeout.round() != round) {
            Optional<TimeoutMsg> t = signTimeout(round);
            if (t.isEmpty()) {
                count(TIMEOUT_REFUSED);
                return;
            }
            myTimeout = t.get();
            store.saveOwnTimeout(myTimeout);
            count(TIMEOUTS_SIGNED);
        }
        if (!timeouts.has(round, self)) {
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
                count(TIMEOUTS_RESIGNED);
                return again;
            }
        }
        TimeoutCert tc = tree.highTc() != null && tree.highTc().round() == round - 1 ? tree.highTc() : null;
        store.saveOwnTimeout(new TimeoutMsg(epoch, round, tree.highQc(), tc, self, new byte[0]));
        return safety.timeout(round, tree.highQc(), tc);
    }

    private void onTimeout(int from, TimeoutMsg t) {
        if (t.epoch() != epoch || !validators.contains(t.author())) {
            count(REJECTED_WRONG_EPOCH);
            return;
        }
        if (t.highQc().round() >= t.round()) {
            count(REJECTED_BAD_STRUCTURE);
            return;
        }
        if (t.round() > pacemaker.round() + MAX_ROUNDS_AHEAD) {
            count(REJECTED_TIMEOUT_TOO_FAR_AHEAD);
            return;
        }
        if (timeouts.has(t.round(), t.author())) {
            count(IGNORED_DUPLICATE_TIMEOUT);
            return;
        }
        if (t.round() < pacemaker.round() - 1) {
            count(IGNORED_STALE_TIMEOUT);
            sendSync(from);
            return;
        }
        if (!crypto.verify(t.author(), t.signedMessage(), t.signature())) {
            count(REJECTED_BAD_SIGNATURE);
            return;
        }
        if (!certs.qc(t.highQc()) || (t.highTc() != null && !certs.tc(t.highTc()))) {
            count(REJECTED_BAD_QC);
            return;
        }
        count(TIMEOUTS_VERIFIED);
        processQc(t.highQc(), from);
        if (t.highTc() != null) {
            processTc(t.highTc(), from);
        }
        if (t.round() < pacemaker.round()) {
            sendSync(from);
            return;
        }
        long stake = timeouts.add(t);
        if (t.round() == pacemaker.round() && !timedOut && stake >= validators.weakQuorumStake()) {
            // More than 1/3 gave up on this round: at least one honest node did, so join it (Bracha-style).
            count(TIMEOUTS_JOINED);
            localTimeout();
        }
        if (stake >= validators.quorumStake() && t.round() >= pacemaker.round()) {
            TimeoutCert tc = timeouts.certificate(t.round());
            count(TCS_FORMED);
            processTc(tc, from);
        }
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

    // ---- commit and the ledger hand-off ----------------------------------------------------------------------------

    /** Blocks the 2-chain rule committed (oldest first): saved committed, counted, then handed to the ledger as it has room. */
    private void commit(List<Block> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long first = tree.committedHeight() - committed.size() + 1;
        store.saveCommitted(committed, first);
        count(BLOCKS_COMMITTED, committed.size());
        for (int i = 0; i < committed.size(); i++) {
            metrics.committed(committed.get(i), first + i);
        }
        feed.committed(committed, first);
    }

    private void onLedgerProgress() {
        feed.flush();
        long round = pacemaker.round();
        if (heldBackRound == round && !feed.full() && !timedOut) {
            heldBackRound = -1;
            propose(round);
        }
    }

    // ---- sync ----------------------------------------------------------------------------------------------------------

    private void sendSync(int to) {
        sync.sendSync(to, pacemaker.round(), () -> new SyncInfo(tree.highQc(), tree.highTc()));
    }

    private void onSync(int from, SyncInfo info) {
        if (!certs.qc(info.highQc()) || (info.highTc() != null && !certs.tc(info.highTc()))) {
            count(REJECTED_BAD_QC);
            return;
        }
        processQc(info.highQc(), from);
        if (info.highTc() != null) {
            processTc(info.highTc(), from);
        }
    }

    private void onBlockRequest(int from, BlockRequest r) {
        int n = Math.min(Math.max(r.count(), 1), Limits.MAX_BLOCKS_PER_RESPONSE);
        List<Block> chain = new ArrayList<>(tree.chainFrom(r.id(), n));
        // Below the root the committed chain is the store's.
        long below = chain.isEmpty() ? store.committedHeight(r.id()).orElse(0)
                : chain.get(chain.size() - 1).id().equals(tree.root().id()) ? tree.committedHeight() - 1 : 0;
        if (below > 0 && chain.size() < n) {
            List<Block> older = store.committedRange(Math.max(1, below - (n - chain.size()) + 1), below);
            for (int i = older.size() - 1; i >= 0; i--) {
                chain.add(older.get(i));
            }
        }
        if (!chain.isEmpty()) {
            out.send(from, new BlockResponse(chain));
        }
    }

    /** Checks and inserts the fetched blocks this node wanted ({@link BlockSync#wanted}), oldest first; asks for what is still missing. */
    private void onBlockResponse(int from, BlockResponse r) {
        Block oldestMissing = null;
        for (Block b : sync.wanted(r, tree::contains)) {
            if (b.round() <= tree.committedRound()) {
                continue; // at or below the committed root: committed already or a dead fork
            }
            OptionalInt leader = leaders.needsParent() && !tree.contains(b.parentId()) ? OptionalInt.of(b.author()) : leaders.leader(b.round(), b.parentId());
            if (b.epoch() != epoch || b.isGenesis() || leader.isEmpty() || leader.getAsInt() != b.author()
                    || !crypto.verify(b.author(), SigningMessages.proposal(epoch, b.round(), b.id()), b.signature())
                    || !certs.qc(b.parentQc())) {
                count(REJECTED_BAD_FETCHED_BLOCK);
                return;
            }
            switch (tree.insert(b)) {
                case INSERTED -> {
                    count(SYNC_BLOCKS_FETCHED);
                    processQc(b.parentQc(), from);
                    inserted(b);
                }
                case MISSING_PARENT -> {
                    if (oldestMissing == null) {
                        oldestMissing = b;
                    }
                }
                case INVALID -> {
                    count(REJECTED_BAD_FETCHED_BLOCK);
                    return;
                }
                default -> {
                }
            }
        }
        if (oldestMissing != null) {
            sync.refetch(oldestMissing.parentId(), from, pacemaker.round());
        }
    }

    // ---- counters and the view -----------------------------------------------------------------------------------------

    private void count(ConsensusCounter c) {
        metrics.count(c, 1);
    }

    private void count(ConsensusCounter c, long n) {
        metrics.count(c, n);
    }

    /** This node's state, read-only. */
    public ConsensusView view() {
        return view;
    }

    /** Counter totals by stable name; a copy (as {@link ConsensusView#counters()}). */
    public Map<String, Long> counters() {
        return totals.byName();
    }

    /** One counter's total by stable name (as {@link ConsensusView#counter}). */
    public long counter(String name) {
        return totals.get(name);
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

    private final class View implements ConsensusView {
        @Override
        public int self() {
            return self;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public long round() {
            return pacemaker.round();
        }

        @Override
        public QuorumCert highQc() {
            return tree.highQc();
        }

        @Override
        public TimeoutCert highTc() {
            return tree.highTc();
        }

        @Override
        public Block committedBlock() {
            return tree.root();
        }

        @Override
        public long committedRound() {
            return tree.committedRound();
        }

        @Override
        public long committedHeight() {
            return tree.committedHeight();
        }

        @Override
        public long handedOffHeight() {
            return feed == null ? ledger.acceptedHeight() : feed.handedHeight();
        }

        @Override
        public boolean proposingPaused() {
            return feed != null && feed.full();
        }

        @Override
        public long lastVotedRound() {
            return safety.data().lastVotedRound();
        }

        @Override
        public boolean holdsBlock(BlockId id) {
            return tree.contains(id);
        }

        @Override
        public int uncommittedCount() {
            return tree.pendingCount();
        }

        @Override
        public OptionalInt leaderFor(long round, BlockId parent) {
            return leaders.leader(round, parent);
        }

        @Override
        public Optional<List<Integer>> expectedSchedule(long round, Block parent, QuorumCert qc) {
            return leaders.nextSchedule(round, parent, qc);
        }

        @Override
        public Map<String, Long> counters() {
            return totals.byName();
        }

        @Override
        public long counter(ConsensusCounter counter) {
            return totals.get(counter);
        }
    }

    /**
     * How a node builds its round manager. Required: {@link #leaders} or {@link #scheduleEpochs}, {@link #outbound},
     * {@link #timers}, {@link #clock}, {@link #payloads}, {@link #blockStore}, {@link #ledger}; optional:
     * {@link #proposalValidator} (accept all), {@link #metrics} (none), {@link #config} ({@link ConsensusConfig#defaults()}).
     */
    public static final class Builder {
        private final int self;
        private final ValidatorSet validators;
        private final QuorumCrypto crypto;
        private final SafetyRules safety;
        private LeaderSchedule leaderSchedule;
        private EpochConfig epochs;
        private ProposalValidator validator = ProposalValidator.ACCEPT_ALL;
        private Outbound out;
        private TimerService timers;
        private TimeSource clock;
        private PayloadSource payloads;
        private BlockStore store;
        private LedgerHandoff ledger;
        private ConsensusMetrics metrics = ConsensusMetrics.NONE;
        private ConsensusConfig config = ConsensusConfig.defaults();

        private Builder(int self, ValidatorSet validators, QuorumCrypto crypto, SafetyRules safety) {
            this.self = self;
            this.validators = Objects.requireNonNull(validators, "validators");
            this.crypto = Objects.requireNonNull(crypto, "crypto");
            this.safety = Objects.requireNonNull(safety, "safety rules");
        }

        /** A fixed schedule of (epoch, round): blocks carry no schedule. */
        public Builder leaders(LeaderSchedule schedule) {
            this.leaderSchedule = Objects.requireNonNull(schedule, "leader schedule");
            this.epochs = null;
            return this;
        }

        /** Leaders from schedules committed on chain, per schedule epoch ({@link ScheduleChain}). */
        public Builder scheduleEpochs(EpochConfig epochConfig) {
            this.epochs = Objects.requireNonNull(epochConfig, "epoch config");
            this.leaderSchedule = null;
            return this;
        }

        public Builder proposalValidator(ProposalValidator v) {
            this.validator = Objects.requireNonNull(v, "proposal validator");
            return this;
        }

        public Builder outbound(Outbound o) {
            this.out = Objects.requireNonNull(o, "outbound");
            return this;
        }

        public Builder timers(TimerService t) {
            this.timers = Objects.requireNonNull(t, "timers");
            return this;
        }

        public Builder clock(TimeSource c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        public Builder payloads(PayloadSource p) {
            this.payloads = Objects.requireNonNull(p, "payloads");
            return this;
        }

        public Builder blockStore(BlockStore s) {
            this.store = Objects.requireNonNull(s, "block store");
            return this;
        }

        public Builder ledger(LedgerHandoff l) {
            this.ledger = Objects.requireNonNull(l, "ledger hand-off");
            return this;
        }

        public Builder metrics(ConsensusMetrics m) {
            this.metrics = Objects.requireNonNull(m, "metrics");
            return this;
        }

        public Builder config(ConsensusConfig c) {
            this.config = Objects.requireNonNull(c, "config");
            return this;
        }

        /** The round manager; call {@link RoundManager#start()} (or send it an event) before anything else. */
        public RoundManager build() {
            StringBuilder missing = new StringBuilder();
            if (leaderSchedule == null && epochs == null) {
                missing.append(" leaders");
            }
            for (Object[] p : new Object[][] {{out, "outbound"}, {timers, "timers"}, {clock, "clock"}, {payloads, "payloads"},
                    {store, "blockStore"}, {ledger, "ledger"}}) {
                if (p[0] == null) {
                    missing.append(' ').append(p[1]);
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("round manager builder: missing" + missing);
            }
            return new RoundManager(this);
        }
    }
}
