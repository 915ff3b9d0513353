package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** A {@link BlockStore} that hands every call to another: subclasses override the calls they watch (checks, counts). */
public abstract class ForwardingBlockStore implements BlockStore {
    protected final BlockStore inner;

    protected ForwardingBlockStore(BlockStore inner) {
        this.inner = inner;
    }

    @Override
    public void saveBlock(Block block) {
        inner.saveBlock(block);
    }

    @Override
    public void saveHighQc(QuorumCert qc) {
        inner.saveHighQc(qc);
    }

    @Override
    public void saveHighTc(TimeoutCert tc) {
        inner.saveHighTc(tc);
    }

    @Override
    public void saveOwnTimeout(TimeoutMsg timeout) {
        inner.saveOwnTimeout(timeout);
    }

    @Override
    public void saveCommitted(List<Block> blocks, long firstHeight) {
        inner.saveCommitted(blocks, firstHeight);
    }

    @Override
    public void pruneBelow(long height) {
        inner.pruneBelow(height);
    }

    @Override
    public List<Block> committedRange(long fromHeight, long toHeight) {
        return inner.committedRange(fromHeight, toHeight);
    }

    @Override
    public OptionalLong committedHeight(BlockId id) {
        return inner.committedHeight(id);
    }

    @Override
    public Optional<TimeoutMsg> ownTimeout() {
        return inner.ownTimeout();
    }

    @Override
    public Snapshot load() {
        return inner.load();
    }
}
