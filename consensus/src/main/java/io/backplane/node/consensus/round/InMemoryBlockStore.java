package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The reference {@link BlockStore}, in memory: the simulation keeps it across a node's crash as it would keep a disk, and
 * the node's RocksDB store is tested against it (the same contract, and a seeded model run). Committed
 * blocks by height (prunable), the uncommitted tail in the order it was saved.
 */
public final class InMemoryBlockStore implements BlockStore {
    private final Map<BlockId, Block> uncommitted = new LinkedHashMap<>();
    private final TreeMap<Long, Block> committed = new TreeMap<>();
    private final Map<BlockId, Long> heightOf = new HashMap<>();
    private long committedHeight;
    private Block committedTip;
    private QuorumCert highQc;
    private TimeoutCert highTc;
    private TimeoutMsg ownTimeout;

    @Override
    public void saveBlock(Block block) {
        if (!heightOf.containsKey(block.id())) {
            uncommitted.putIfAbsent(block.id(), block);
        }
    }

    @Override
    public void saveHighQc(QuorumCert qc) {
        if (highQc == null || qc.round() > highQc.round()) {
            highQc = qc;
        }
    }

    @Override
    public void saveHighTc(TimeoutCert tc) {
        if (highTc == null || tc.round() > highTc.round()) {
            highTc = tc;
        }
    }

    @Override
    public void saveOwnTimeout(TimeoutMsg timeout) {
        if (ownTimeout == null || timeout.round() >= ownTimeout.round()) {
            ownTimeout = timeout;
        }
    }

    @Override
    public void saveCommitted(List<Block> blocks, long firstHeight) {
        for (int i = 0; i < blocks.size(); i++) {
            long h = firstHeight + i;
            Block b = blocks.get(i);
            Block earlier = committed.get(h);
            if (earlier != null && !earlier.id().equals(b.id())) {
                throw new IllegalStateException("height " + h + " is committed to " + earlier.id() + ", not " + b.id());
            }
            if (h <= committedHeight && earlier == null) {
                continue; // pruned already
            }
            committed.put(h, b);
            heightOf.put(b.id(), h);
            uncommitted.remove(b.id());
            if (h > committedHeight) {
                committedHeight = h;
                committedTip = b;
            }
        }
        long round = committedTip == null ? 0 : committedTip.round();
        uncommitted.values().removeIf(b -> b.round() <= round);
    }

    @Override
    public void pruneBelow(long height) {
        long keep = Math.min(height, committedHeight);
        for (Block b : committed.headMap(keep, false).values()) {
            heightOf.remove(b.id());
        }
        committed.headMap(keep, false).clear();
    }

    @Override
    public List<Block> committedRange(long fromHeight, long toHeight) {
        if (fromHeight > toHeight) {
            return List.of();
        }
        return new ArrayList<>(committed.subMap(fromHeight, true, toHeight, true).values());
    }

    @Override
    public OptionalLong committedHeight(BlockId id) {
        Long h = heightOf.get(id);
        return h == null ? OptionalLong.empty() : OptionalLong.of(h);
    }

    @Override
    public Optional<TimeoutMsg> ownTimeout() {
        return Optional.ofNullable(ownTimeout);
    }

    @Override
    public Snapshot load() {
        return new Snapshot(committedHeight, Optional.ofNullable(committedTip), List.copyOf(uncommitted.values()),
                Optional.ofNullable(highQc), Optional.ofNullable(highTc), Optional.ofNullable(ownTimeout));
    }

    /** Every block held, committed (by height) then uncommitted (as saved): for tests and the simulation's checks, not the interface. */
    public List<Block> blocks() {
        List<Block> all = new ArrayList<>(committed.values());
        all.addAll(uncommitted.values());
        return all;
    }

    /** Committed blocks kept (after pruning). */
    public int committedKept() {
        return committed.size();
    }
}
