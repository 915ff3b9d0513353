package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of the blocks a node has accepted, its highest QC and TC, and its own latest timeout, so that a
 * restarted node can still serve and extend certified blocks and resend the very timeout it signed (the guard would
 * refuse a different one). DESIGN.md §8: RocksDB in production (part 2). A block is saved before the node votes for
 * it, so every certified block survives on at least f + 1 honest nodes.
 */
public interface BlockStore {
    void saveBlock(Block block);

    void saveHighQc(QuorumCert qc);

    void saveHighTc(TimeoutCert tc);

    /**
     * Saves this node's timeout of its round: first what it is about to sign (an empty signature), then, once signed, the
     * signed message. A later save of the same or a higher round replaces the earlier one.
     */
    void saveOwnTimeout(TimeoutMsg timeout);

    /** Every saved block, in any order. */
    List<Block> blocks();

    Optional<QuorumCert> highQc();

    Optional<TimeoutCert> highTc();

    Optional<TimeoutMsg> ownTimeout();
}
