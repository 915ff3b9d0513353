package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Committed blocks on their way to the {@link LedgerHandoff}: in height order, each height once, only while the hand-off
 * has room. Blocks that commit while it is full wait (a bounded buffer, then the {@link BlockStore}, which has them
 * durably before they got here); the consensus thread never waits. While anything waits, or the hand-off is full, the
 * round manager does not propose.
 */
final class LedgerFeed {
    /** Committed blocks kept in memory for the hand-off; beyond that they are read back from the store. */
    static final int MAX_BUFFERED = 256;
    /** Committed blocks read from the store at a time. */
    static final int READ_BATCH = 64;

    private final LedgerHandoff ledger;
    private final BlockStore store;
    /** Consecutive committed blocks from height {@link #handed} + 1, when they were kept in memory. */
    private final Deque<Block> buffered = new ArrayDeque<>();
    private long handed;
    private long committedHeight;

    /** Starts with the ledger at its {@link LedgerHandoff#acceptedHeight()} and the chain committed up to {@code committedHeight}. */
    LedgerFeed(LedgerHandoff ledger, BlockStore store, long committedHeight) {
        this.ledger = ledger;
        this.store = store;
        this.handed = ledger.acceptedHeight();
        this.committedHeight = committedHeight;
    }

    /** {@code blocks} committed at heights {@code firstHeight}.. (already saved committed in the store). */
    void committed(List<Block> blocks, long firstHeight) {
        for (int i = 0; i < blocks.size(); i++) {
            long h = firstHeight + i;
            if (h == handed + buffered.size() + 1 && buffered.size() < MAX_BUFFERED) {
                buffered.addLast(blocks.get(i));
            }
            committedHeight = Math.max(committedHeight, h);
        }
        flush();
    }

    /** Hands over what the ledger has room for. */
    void flush() {
        while (handed < committedHeight && ledger.remainingCapacity() > 0) {
            if (buffered.isEmpty()) {
                List<Block> read = store.committedRange(handed + 1, Math.min(committedHeight, handed + READ_BATCH));
                if (read.isEmpty() || store.committedHeight(read.get(0).id()).orElse(-1) != handed + 1) {
                    throw new IllegalStateException("the block store has no committed block at height " + (handed + 1)
                            + " (committed up to " + committedHeight + "): pruned before the ledger took it?");
                }
                buffered.addAll(read);
            }
            Block next = buffered.pollFirst();
            ledger.accept(next, handed + 1);
            handed++;
        }
    }

    /** Whether the hand-off is full or committed blocks wait for it: no new proposals then. */
    boolean full() {
        return handed < committedHeight || ledger.remainingCapacity() <= 0;
    }

    long handedHeight() {
        return handed;
    }
}
