package io.backplane.node.consensus.round;

import io.backplane.node.consensus.round.ConsensusEvent.MessageReceived;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage.BlockRequest;
import io.backplane.node.consensus.types.ConsensusMessage.BlockResponse;
import io.backplane.node.consensus.types.ConsensusMessage.Proposal;
import io.backplane.node.consensus.types.ConsensusMessage.Sync;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SyncInfo;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Catching up: QCs whose block this node lacks (it enters their round only once the block is here), proposals waiting
 * for their parent (a bounded stash), block requests (at most one per block and round, retried from another signer on a
 * timeout) and which blocks of a response are wanted at all, and sync messages to a peer that is behind (one per peer
 * and round). All of it is bounded; nothing here decides validity.
 */
final class BlockSync {
    static final int MAX_STASHED = 256;

    private final int self;
    private final Outbound out;
    private final ConsensusConfig config;
    private final ConsensusMetrics metrics;
    private final Map<BlockId, List<MessageReceived>> waitingForParent = new HashMap<>();
    private final Map<BlockId, QuorumCert> pendingQcs = new HashMap<>();
    private final Map<BlockId, Long> fetchAskedAtRound = new HashMap<>();
    private final Map<Integer, Long> syncSentAtRound = new HashMap<>();

    BlockSync(int self, Outbound out, ConsensusConfig config, ConsensusMetrics metrics) {
        this.self = self;
        this.out = out;
        this.config = config;
        this.metrics = metrics;
    }

    // ---- QCs for missing blocks ---------------------------------------------------------------------------------

    /** Remembers a verified QC whose block is missing (bounded; not one at or below the committed round). */
    void awaitBlock(QuorumCert qc, long committedRound) {
        QuorumCert known = pendingQcs.get(qc.blockId());
        if (known == null && pendingQcs.size() < MAX_STASHED && qc.round() > committedRound) {
            pendingQcs.put(qc.blockId(), qc);
        }
    }

    /** The QC that waited for block {@code id}, now here; null if none. */
    QuorumCert takeAwaitedQc(BlockId id) {
        return pendingQcs.remove(id);
    }

    // ---- proposals waiting for their parent -----------------------------------------------------------------------

    void stash(BlockId parent, MessageReceived m) {
        int total = waitingForParent.values().stream().mapToInt(List::size).sum();
        if (total >= MAX_STASHED) {
            metrics.count(ConsensusCounter.IGNORED_STASH_FULL, 1);
            return;
        }
        waitingForParent.computeIfAbsent(parent, k -> new ArrayList<>()).add(m);
    }

    /** The messages that waited for block {@code id}, now here; null if none. */
    List<MessageReceived> takeWaiting(BlockId id) {
        return waitingForParent.remove(id);
    }

    /** On entering {@code round}: forgets what can no longer matter (QCs at or below the committed round, older proposals). */
    void enteredRound(long round, long committedRound) {
        pendingQcs.values().removeIf(q -> q.round() <= committedRound);
        // Stashed proposals of past rounds can no longer get our vote; their blocks come back through fetches.
        waitingForParent.values().forEach(list -> list.removeIf(m -> m.message() instanceof Proposal p && p.block().round() < round));
        waitingForParent.values().removeIf(List::isEmpty);
    }

    // ---- block requests -------------------------------------------------------------------------------------------

    /** Asks {@code from} for block {@code id} and its ancestors, at most once per block in {@code round}. */
    void fetch(BlockId id, int from, long round) {
        if (from == self) {
            return;
        }
        Long asked = fetchAskedAtRound.get(id);
        if (asked != null && asked == round) {
            return;
        }
        if (fetchAskedAtRound.size() > 4 * MAX_STASHED) {
            fetchAskedAtRound.clear();
        }
        fetchAskedAtRound.put(id, round);
        metrics.count(ConsensusCounter.SYNC_BLOCK_REQUESTS, 1);
        out.send(from, new BlockRequest(id, config.fetchBatch()));
    }

    /** Asks again, as {@code round}'s timer fires for the {@code generation}th time, from another signer, for awaited blocks. */
    void retry(long round, long generation) {
        int asked = 0;
        for (QuorumCert qc : List.copyOf(pendingQcs.values())) {
            if (asked++ == 4) {
                break;
            }
            BitSet s = qc.signerSet();
            int pick = (int) Math.floorMod(round + generation, (long) Math.max(1, s.cardinality()));
            int signer = s.nextSetBit(0);
            for (int k = 0; k < pick; k++) {
                signer = s.nextSetBit(signer + 1);
            }
            fetchAskedAtRound.remove(qc.blockId());
            fetch(qc.blockId(), signer, round);
        }
    }

    /** Asks for {@code id} again even if it was asked for this round (its child arrived without it). */
    void refetch(BlockId id, int from, long round) {
        fetchAskedAtRound.remove(id);
        fetch(id, from, round);
    }

    /** A signer of {@code qc} other than this node (this node if it is the only one). */
    int otherSigner(QuorumCert qc) {
        BitSet s = qc.signerSet();
        for (int i = s.nextSetBit(0); i >= 0; i = s.nextSetBit(i + 1)) {
            if (i != self) {
                return i;
            }
        }
        return self;
    }

    /**
     * The blocks of a response this node must fetch, oldest first: one a QC it awaits, a stashed proposal or its own
     * request points at, and, walking down, each wanted block's parent; the rest is counted and dropped unchecked, so a
     * peer cannot make it store blocks nobody certified.
     */
    List<Block> wanted(BlockResponse r, Predicate<BlockId> held) {
        List<Block> byRoundDown = new ArrayList<>(r.blocks());
        byRoundDown.sort(Comparator.comparingLong(Block::round).reversed());
        Set<BlockId> wanted = new HashSet<>(pendingQcs.keySet());
        wanted.addAll(waitingForParent.keySet());
        wanted.addAll(fetchAskedAtRound.keySet());
        List<Block> blocks = new ArrayList<>();
        for (Block b : byRoundDown) {
            if (wanted.contains(b.id()) && !held.test(b.id())) {
                blocks.add(0, b);
                wanted.add(b.parentId());
            } else if (!held.test(b.id())) {
                metrics.count(ConsensusCounter.IGNORED_UNREQUESTED_BLOCK, 1);
            }
        }
        return blocks;
    }

    // ---- sync -----------------------------------------------------------------------------------------------------

    /** Tells a peer that is behind our certificates, at most once per peer and {@code round}. */
    void sendSync(int to, long round, Supplier<SyncInfo> info) {
        if (to == self) {
            return;
        }
        Long last = syncSentAtRound.get(to);
        if (last != null && last == round) {
            return;
        }
        syncSentAtRound.put(to, round);
        out.send(to, new Sync(info.get()));
    }
}
