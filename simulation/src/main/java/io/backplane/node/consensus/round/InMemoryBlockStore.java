package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A working in-memory {@link BlockStore}; the simulation keeps it across a node's crash as it would keep a disk. */
public final class InMemoryBlockStore implements BlockStore {
    private final Map<BlockId, Block> blocks = new LinkedHashMap<>();
    private QuorumCert highQc;
    private TimeoutCert highTc;
    private TimeoutMsg ownTimeout;

    @Override
    public void saveBlock(Block block) {
        blocks.putIfAbsent(block.id(), block);
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
    public Optional<TimeoutCert> highTc() {
        return Optional.ofNullable(highTc);
    }

    @Override
    public Optional<TimeoutMsg> ownTimeout() {
        return Optional.ofNullable(ownTimeout);
    }

    @Override
    public List<Block> blocks() {
        return List.copyOf(blocks.values());
    }

    @Override
    public Optional<QuorumCert> highQc() {
        return Optional.ofNullable(highQc);
    }
}
