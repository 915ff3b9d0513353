package io.backplane.node.consensus.round;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A read-only view of one validator's consensus state, for the node's status and admin views, metrics and the
 * simulation's invariant checks. It exposes values, never the round manager's parts; read it on the consensus thread.
 */
public interface ConsensusView {
    int self();

    long epoch();

    /** The round this node is in. */
    long round();

    QuorumCert highQc();

    /** The highest TC this node holds, or null. */
    TimeoutCert highTc();

    /** The last committed block (genesis before the first commit). */
    Block committedBlock();

    long committedRound();

    long committedHeight();

    /** The highest height handed to the ledger ({@link LedgerHandoff}); below {@link #committedHeight()} while the hand-off is full. */
    long handedOffHeight();

    /** Whether the node currently holds back its proposals because the ledger hand-off is full (it still votes). */
    boolean proposingPaused();

    /** The highest round this node's safety rules have voted or timed out in. */
    long lastVotedRound();

    /** Whether the block is in this node's uncommitted tail or is its committed tip. */
    boolean holdsBlock(BlockId id);

    /** Blocks above the committed tip this node holds. */
    int uncommittedCount();

    /** The leader of {@code round} for a block extending {@code parent}, as this node sees it (empty: undecided). */
    OptionalInt leaderFor(long round, BlockId parent);

    /** The schedule a block of {@code round} on {@code parent} certified by {@code qc} must carry, as this node computes it. */
    Optional<List<Integer>> expectedSchedule(long round, Block parent, QuorumCert qc);

    /** Counter totals by stable name ({@link ConsensusCounter#key()}); a copy. */
    Map<String, Long> counters();

    /** One counter's total. */
    long counter(ConsensusCounter counter);
}
