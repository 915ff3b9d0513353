package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;

/**
 * What {@link SafetyRules} approved, told just before it asks the signer (so in front of the double-sign guard). The
 * simulation checks these approvals against the protocol's rules, so that a rule bug shows up even where the guard
 * would refuse the signature. Production passes {@link #NONE}. Must not throw.
 */
public interface ApprovalObserver {
    ApprovalObserver NONE = new ApprovalObserver() {
    };

    /** The rules approved signing {@code unsigned} as this round's proposal. */
    default void approvedProposal(Block unsigned) {
    }

    /** The rules approved a vote for {@code block}, justified by {@code tc} (or null). */
    default void approvedVote(Block block, TimeoutCert tc) {
    }

    /** The rules approved a timeout of {@code round} reporting {@code highQc}, with {@code tc} (or null). */
    default void approvedTimeout(long epoch, long round, QuorumCert highQc, TimeoutCert tc) {
    }
}
