package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The uncommitted tail: the last committed block (the root) and the pending blocks above it; the highest QC and TC; the
 * 2-chain commit rule (block B commits when a QC certifies a child of B made in round B.round + 1). A commit returns the
 * blocks it committed, oldest first, exactly once; the tree then keeps only the new root of them (the committed chain
 * lives in the {@link BlockStore}). Pending blocks at or below the committed round are pruned. Only blocks whose parent is
 * present are inserted, so every held block descends from the root.
 */
public final class BlockTree {
    /** What {@link #insert} did. */
    public enum InsertResult { INSERTED, DUPLICATE, MISSING_PARENT, INVALID, STALE }

    private final Map<BlockId, Block> blocks = new HashMap<>();
    private final Map<BlockId, Long> heights = new HashMap<>();
    private final Set<BlockId> committed = new HashSet<>();
    /** Blocks above the committed root that are not committed: the only ones pruning has to look at. */
    private final Set<BlockId> pending = new HashSet<>();
    /** Null when the caller takes the committed blocks {@link #commitWith} returns. */
    private final Executor executor;
    private final long alreadyExecuted;
    private Block root;
    private long rootHeight;
    private QuorumCert highQc;
    private TimeoutCert highTc;

    /** A tree from genesis whose commits also go to {@code executor} (heights above its {@link Executor#lastExecutedHeight()}). */
    public BlockTree(Block genesis, Executor executor) {
        this(genesis, 0, executor);
    }

    /**
     * A tree whose root is the committed block {@code root} at {@code rootHeight} (genesis at 0, or the committed tip a
     * restarted node loaded from its store); the caller takes what commits. The high QC starts at genesis's until a
     * higher one certifying a held block is applied.
     */
    public BlockTree(Block root, long rootHeight) {
        this(root, rootHeight, null);
    }

    private BlockTree(Block root, long rootHeight, Executor executor) {
        if (rootHeight < 0 || (rootHeight == 0) != root.isGenesis()) {
            throw new IllegalArgumentException("a block tree's root is genesis at height 0 or a committed block above it, not " + root + " at " + rootHeight);
        }
        this.executor = executor;
        this.alreadyExecuted = executor == null ? 0 : executor.lastExecutedHeight();
        this.root = root;
        this.rootHeight = rootHeight;
        blocks.put(root.id(), root);
        heights.put(root.id(), rootHeight);
        committed.add(root.id());
        this.highQc = QuorumCert.genesis(root.epoch(), Block.genesis(root.epoch()).id());
    }

    public InsertResult insert(Block b) {
        if (blocks.containsKey(b.id())) {
            return InsertResult.DUPLICATE;
        }
        Block parent = blocks.get(b.parentId());
        if (parent == null) {
            return b.round() <= root.round() ? InsertResult.STALE : InsertResult.MISSING_PARENT;
        }
        if (b.round() <= parent.round() || b.parentQc().round() != parent.round() || b.timestampMs() < parent.timestampMs()) {
            return InsertResult.INVALID;
        }
        if (b.round() <= root.round()) {
            return InsertResult.STALE;
        }
        blocks.put(b.id(), b);
        heights.put(b.id(), heights.get(parent.id()) + 1);
        pending.add(b.id());
        return InsertResult.INSERTED;
    }

    public boolean contains(BlockId id) {
        return blocks.containsKey(id);
    }

    public Block get(BlockId id) {
        return blocks.get(id);
    }

    public QuorumCert highQc() {
        return highQc;
    }

    public TimeoutCert highTc() {
        return highTc;
    }

    public Block root() {
        return root;
    }

    public long committedRound() {
        return root.round();
    }

    public long committedHeight() {
        return rootHeight;
    }

    public int pendingCount() {
        return pending.size();
    }

    /** Takes {@code qc} as the high QC if it is higher and certifies a block we hold. */
    public void updateHighQc(QuorumCert qc) {
        if (qc.round() > highQc.round() && blocks.containsKey(qc.blockId())) {
            highQc = qc;
        }
    }

    public void updateHighTc(TimeoutCert tc) {
        if (highTc == null || tc.round() > highTc.round()) {
            highTc = tc;
        }
    }

    /**
     * Applies the 2-chain rule to a verified QC: if it certifies block C whose parent B was made in round
     * C.round - 1, B and its uncommitted ancestors commit. Returns the blocks committed, oldest first.
     */
    public List<Block> commitWith(QuorumCert qc) {
        Block certified = blocks.get(qc.blockId());
        if (certified == null || certified.isGenesis()) {
            return List.of();
        }
        Block parent = blocks.get(certified.parentId());
        if (parent == null || certified.round() != parent.round() + 1 || parent.round() <= root.round()) {
            return List.of();
        }
        return commit(parent);
    }

    /** Thrown when a commit would not extend the committed chain: safety was broken somewhere. */
    public static final class ConflictingCommitException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ConflictingCommitException(String message) {
            super(message);
        }
    }

    private List<Block> commit(Block b) {
        Deque<Block> chain = new ArrayDeque<>();
        Block cursor = b;
        while (cursor == null || !cursor.id().equals(root.id())) {
            if (cursor == null || cursor.round() <= root.round()) {
                // Two commits that do not extend each other: the protocol's safety was broken. Never execute it.
                throw new ConflictingCommitException("commit of " + b + " does not extend the committed block " + root);
            }
            chain.push(cursor);
            cursor = blocks.get(cursor.parentId());
        }
        List<Block> done = new ArrayList<>(chain.size());
        for (Block c : chain) {
            long h = heights.get(c.id());
            committed.add(c.id());
            pending.remove(c.id());
            // Only the newest committed block stays: the committed chain is the block store's.
            blocks.remove(root.id());
            heights.remove(root.id());
            committed.remove(root.id());
            root = c;
            rootHeight = h;
            if (executor != null && h > alreadyExecuted) {
                executor.execute(c, h);
            }
            done.add(c);
        }
        prune();
        return done;
    }

    private void prune() {
        long r = root.round();
        pending.removeIf(id -> {
            if (blocks.get(id).round() <= r) {
                blocks.remove(id);
                heights.remove(id);
                return true;
            }
            return false;
        });
    }

    /** Block {@code id} and up to {@code count - 1} ancestors held here (down to the root at most), newest first, never genesis. */
    public List<Block> chainFrom(BlockId id, int count) {
        List<Block> out = new ArrayList<>();
        Block cursor = blocks.get(id);
        while (cursor != null && !cursor.isGenesis() && out.size() < count) {
            out.add(cursor);
            cursor = blocks.get(cursor.parentId());
        }
        return out;
    }
}
