package io.backplane.node.consensus.round;

import io.backplane.codec.CanonicalWriter;
import io.backplane.node.consensus.liveness.ScheduleInput;
import io.backplane.node.consensus.liveness.ScheduleInput.HistoryEntry;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.ValidatorSet;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The committed leader schedule, per chain. Schedule epoch k covers rounds k·L + 1 .. (k + 1)·L. The first block of
 * epoch k on a chain (its parent lies in an earlier epoch) carries the leaders of epoch k + 1, computed by the
 * {@link io.backplane.node.consensus.liveness.LeaderElectionAlgorithm} from (validator set, epoch seed, the chain's
 * recent certified history); every voter recomputes it and does not vote on a mismatch, so the schedule a chain
 * uses is certified, and committed with the chain. Epoch 0 uses the schedule computed at genesis.
 * <p>
 * Which schedule applies to round r proposed on top of block P: the schedule of r's epoch carried on P's chain. When
 * the chain carries none for that epoch (epoch 0, or the previous epoch has no block on this chain because all its
 * rounds timed out), the same algorithm computes it from P's chain (P's seed and history): a pure function of the
 * chain, so every node gets the same answer, and never another algorithm.
 * <p>
 * The epoch seed is SHA-256 over a domain tag and the canonical encoding of the carrying block's parent QC (the
 * newest certificate on its chain): a deterministic stand-in for the VDF output of DESIGN.md §4, which a leader can
 * grind by choosing among QCs. State is kept per block (schedules and history), so pruning never changes an answer.
 */
public final class ScheduleChain {
    private static final byte[] SEED_DOMAIN = "backplane-schedule-seed-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** What a block implies for its descendants: schedules by epoch (only those still relevant) and the history. */
    private record State(NavigableMap<Long, List<Integer>> schedules, List<HistoryEntry> history, long round, byte[] seed) {
    }

    /** Outcome of checking a proposal's carried schedule. */
    public enum Check { OK, MISMATCH, UNDECIDED }

    private final EpochConfig config;
    private final ValidatorSet validators;
    private final Block genesis;
    private final Map<BlockId, State> states = new HashMap<>();
    private int pruneAt = 256;
    private final Map<ScheduleInput, List<Integer>> computed = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ScheduleInput, List<Integer>> eldest) {
            return size() > 64;
        }
    };

    public ScheduleChain(EpochConfig config, ValidatorSet validators, Block genesis) {
        this.config = config;
        this.validators = validators;
        this.genesis = genesis;
        states.put(genesis.id(), new State(new TreeMap<>(), List.of(), 0, seed(genesis.parentQc())));
    }

    /** The schedule epoch of a round; genesis (round 0) is before epoch 0. */
    public long epochOf(long round) {
        return round <= 0 ? -1 : (round - 1) / config.length();
    }

    /** Whether a block proposed in {@code round} on top of {@code parentRound} opens a schedule epoch on its chain. */
    public boolean opensEpoch(long round, long parentRound) {
        return epochOf(round) > epochOf(parentRound);
    }

    /** The leader of {@code round} proposed on top of {@code parent}; empty when the parent is unknown or the schedule undecided. */
    public OptionalInt leader(long round, BlockId parent) {
        State s = states.get(parent);
        if (s == null) {
            return OptionalInt.empty();
        }
        long epoch = epochOf(round);
        List<Integer> schedule = s.schedules().get(epoch);
        if (schedule == null) {
            Optional<List<Integer>> computedHere = compute(new ScheduleInput(epoch, epoch * config.length() + 1, config.length(), validators, s.seed(), s.history()));
            if (computedHere.isEmpty()) {
                return OptionalInt.empty();
            }
            schedule = computedHere.get();
        }
        return OptionalInt.of(schedule.get((int) Math.floorMod(round - 1, (long) config.length())));
    }

    /**
     * The schedule a block proposed in {@code round} with parent QC {@code qc} (certifying {@code parent}) must
     * carry: empty when it does not open an epoch; {@code Optional.empty()} when the algorithm is undecided.
     */
    public Optional<List<Integer>> expected(long round, Block parent, QuorumCert qc) {
        if (!opensEpoch(round, parent.round())) {
            return Optional.of(List.of());
        }
        State s = states.get(parent.id());
        if (s == null) {
            return Optional.empty();
        }
        long next = epochOf(round) + 1;
        ScheduleInput in = new ScheduleInput(next, next * config.length() + 1, config.length(), validators, seed(qc), historyAfter(s, parent, qc));
        return compute(in);
    }

    /** Checks a proposal's carried schedule against the recomputed one (the parent must be known). */
    public Check check(Block b, Block parent) {
        Optional<List<Integer>> want = expected(b.round(), parent, b.parentQc());
        if (want.isEmpty()) {
            return Check.UNDECIDED;
        }
        return want.get().equals(b.nextSchedule()) ? Check.OK : Check.MISMATCH;
    }

    /** Records a block inserted into the tree, with its parent (the tree only inserts children of known blocks). */
    public void inserted(Block b, Block parent) {
        if (states.containsKey(b.id())) {
            return;
        }
        State p = states.get(b.parentId());
        if (p == null) {
            return;
        }
        TreeMap<Long, List<Integer>> schedules = new TreeMap<>(p.schedules());
        long epoch = epochOf(b.round());
        if (!b.nextSchedule().isEmpty() && opensEpoch(b.round(), p.round())) {
            schedules.put(epoch + 1, b.nextSchedule());
        }
        // Descendants have rounds above this block's: earlier epochs' schedules no longer apply.
        schedules.headMap(epoch, false).clear();
        List<HistoryEntry> history = historyAfter(p, parent, b.parentQc());
        states.put(b.id(), new State(schedules, history, b.round(), seed(b.parentQc())));
    }

    /**
     * How many committed blocks, ending at the committed tip, {@link #restore} needs to rebuild the tip's state exactly:
     * the schedules that still apply were carried by blocks of the tip's schedule epoch or the one before (at most 2L
     * rounds back, and a height step is at least a round), and the history is the last {@code historyLength} blocks.
     */
    public int restoreWindow() {
        return 2 * config.length() + config.historyLength() + 2;
    }

    /**
     * After a restart: rebuilds the state of the committed chain from {@code window} (consecutive committed blocks, oldest
     * first, ending at the committed tip; its first block's parent is genesis when {@code fromGenesis}). Without genesis,
     * the first block stands in as a start with no schedules and no history; from at least {@link #restoreWindow()} blocks
     * the tip's state is then the same as a replay from genesis would give.
     */
    public void restore(List<Block> window, boolean fromGenesis) {
        if (window.isEmpty()) {
            return;
        }
        Block parent = genesis;
        int from = 0;
        if (!fromGenesis) {
            Block first = window.get(0);
            states.putIfAbsent(first.id(), new State(new TreeMap<>(), List.of(), first.round(), seed(first.parentQc())));
            parent = first;
            from = 1;
        }
        for (int i = from; i < window.size(); i++) {
            Block b = window.get(i);
            if (!b.parentId().equals(parent.id())) {
                throw new IllegalArgumentException("committed window is not a chain: " + b + " does not extend " + parent);
            }
            inserted(b, parent);
            parent = b;
        }
    }

    /**
     * Drops the state of blocks below the committed root (nothing can extend them any more). Amortised: runs only
     * when the map has doubled since the last pass, so that it costs O(1) per round.
     */
    public void pruneBelow(BlockId root, long rootRound) {
        if (states.size() < pruneAt) {
            return;
        }
        states.entrySet().removeIf(e -> e.getValue().round() < rootRound && !e.getKey().equals(root));
        pruneAt = Math.max(256, 2 * states.size());
    }

    /** The parent's history plus the parent itself, certified by {@code qc}. */
    private List<HistoryEntry> historyAfter(State parentState, Block parent, QuorumCert qc) {
        if (qc.isGenesis() || config.historyLength() == 0) {
            return parentState.history();
        }
        List<HistoryEntry> h = new ArrayList<>(parentState.history());
        List<Integer> voters = qc.signerSet().stream().boxed().toList();
        h.add(new HistoryEntry(parent.round(), parent.author(), voters));
        while (h.size() > config.historyLength()) {
            h.remove(0);
        }
        return List.copyOf(h);
    }

    private Optional<List<Integer>> compute(ScheduleInput in) {
        List<Integer> hit = computed.get(in);
        if (hit != null) {
            return Optional.of(hit);
        }
        Optional<List<Integer>> out = config.election().schedule(in);
        if (out.isPresent()) {
            List<Integer> s = List.copyOf(out.get());
            if (s.size() != in.windowLength() || s.stream().anyMatch(i -> !validators.contains(i))) {
                // A malformed answer is treated like no answer: abstain, never patch it up.
                return Optional.empty();
            }
            computed.put(in, s);
            return Optional.of(s);
        }
        return out;
    }

    static byte[] seed(QuorumCert qc) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(SEED_DOMAIN);
            CanonicalWriter w = new CanonicalWriter(256);
            qc.encode(w);
            d.update(w.toByteArray());
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
