package io.backplane.plugin.api;

/**
 * Accepts or rejects a proposed block's payload.
 *
 * <p>Input: the proposed block (height, proposer, transactions) and a read-only snapshot of the part of the ledger
 * state the plugin may consult (the last committed nonce of every sender seen). Output: {@link Verdict}. A rejected
 * block is not voted for. Time budget: a block of 10,000 transactions should take well under 50 ms. Determinism
 * contract: see {@link Plugin}.
 */
public interface BlockValidator extends Plugin {
    Verdict validate(BlockProposal proposal, LedgerView ledger);
}
