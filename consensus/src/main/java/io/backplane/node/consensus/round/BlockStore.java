package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Durable storage of what a node must not forget: the blocks it accepted and has not seen commit (the uncommitted tail),
 * the committed chain by height (served to peers, handed to the ledger; prunable below a height), its highest QC and TC,
 * and its own latest timeout, so that a restarted node can still serve and extend certified blocks and resend the very
 * timeout it signed (the guard would refuse a different one). A block is saved before the node votes for it, so every
 * certified block survives on at least f + 1 honest nodes; committed blocks are saved committed before the ledger gets them.
 * A start reads {@link #load()} and, for the ledger and the leader schedules, a bounded {@link #committedRange}: never
 * every block. DESIGN.md §8: RocksDB in the node; the simulation keeps an in-memory one across a node's crash.
 * Called on the consensus thread only.
 */
public interface BlockStore {
    /** What a start needs: the committed tip (height 0 and no block: nothing committed), the uncommitted tail, the certificates. */
    record Snapshot(long committedHeight, Optional<Block> committedTip, List<Block> uncommitted, Optional<QuorumCert> highQc,
                    Optional<TimeoutCert> highTc, Optional<TimeoutMsg> ownTimeout) {
        public Snapshot {
            uncommitted = List.copyOf(uncommitted);
            if (committedHeight < 0 || (committedHeight == 0) != committedTip.isEmpty()) {
                throw new IllegalArgumentException("committed height " + committedHeight + " with " + (committedTip.isEmpty() ? "no" : "a") + " tip block");
            }
        }

        /** A store that holds nothing. */
        public static Snapshot empty() {
            return new Snapshot(0, Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    /** A block this node accepted and will vote for (or fetched), not committed yet: part of the uncommitted tail. */
    void saveBlock(Block block);

    void saveHighQc(QuorumCert qc);

    void saveHighTc(TimeoutCert tc);

    /**
     * Saves this node's timeout of its round: first what it is about to sign (an empty signature), then, once signed, the
     * signed message. A later save of the same or a higher round replaces the earlier one.
     */
    void saveOwnTimeout(TimeoutMsg timeout);

    /**
     * {@code blocks} (a parent-linked chain, oldest first) committed at heights {@code firstHeight}, {@code firstHeight + 1},
     * ...: durable before any of them reaches the ledger. They leave the uncommitted tail, and so does every uncommitted
     * block at or below the last one's round (forks that can no longer commit).
     */
    void saveCommitted(List<Block> blocks, long firstHeight);

    /** Drops committed blocks below {@code height} (the committed tip always stays). */
    void pruneBelow(long height);

    /** Committed blocks at heights {@code fromHeight..toHeight} (inclusive), oldest first; heights pruned or not reached are left out. */
    List<Block> committedRange(long fromHeight, long toHeight);

    /** The height of committed block {@code id}, if it is kept. */
    OptionalLong committedHeight(BlockId id);

    /** This node's latest own timeout (see {@link #saveOwnTimeout}). */
    Optional<TimeoutMsg> ownTimeout();

    /** What a start loads. */
    Snapshot load();
}
