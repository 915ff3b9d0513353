package io.backplane.node.consensus.liveness;

import io.backplane.node.consensus.types.Block;

/**
 * Payload validation of a proposed block (the block-validator plugin, through the plugin host). Called after the
 * built-in checks; {@link Verdict#UNDECIDED} (plugin down or late) makes the node abstain, never accept.
 */
public interface ProposalValidator {
    enum Verdict { ACCEPT, REJECT, UNDECIDED }

    Verdict validate(Block block);

    /** Accepts every payload (the built-in default when no validation plugin is active). */
    ProposalValidator ACCEPT_ALL = block -> Verdict.ACCEPT;
}
