package io.backplane.plugin.samples;

import io.backplane.plugin.api.BlockProposal;
import io.backplane.plugin.api.BlockValidator;
import io.backplane.plugin.api.LedgerView;
import io.backplane.plugin.api.Transaction;
import io.backplane.plugin.api.Verdict;
import java.util.HashMap;
import java.util.Map;

/**
 * Enforces a payload cap ({@value #MAX_PAYLOAD_BYTES} bytes, {@value #MAX_TRANSACTIONS} transactions) and per-sender
 * nonce order: a sender's transactions in a block carry consecutive nonces starting right after its last committed one.
 */
public final class PayloadNonceValidator implements BlockValidator {
    static final long MAX_PAYLOAD_BYTES = 1 << 20;
    static final int MAX_TRANSACTIONS = 10_000;

    @Override
    public Verdict validate(BlockProposal proposal, LedgerView ledger) {
        if (proposal.transactions().size() > MAX_TRANSACTIONS) {
            return Verdict.reject("block has " + proposal.transactions().size() + " transactions, more than " + MAX_TRANSACTIONS);
        }
        long bytes = proposal.payloadBytes();
        if (bytes > MAX_PAYLOAD_BYTES) {
            return Verdict.reject("payload is " + bytes + " bytes, more than " + MAX_PAYLOAD_BYTES);
        }
        Map<String, Long> next = new HashMap<>();
        for (int i = 0; i < proposal.transactions().size(); i++) {
            Transaction t = proposal.transactions().get(i);
            long expected = next.computeIfAbsent(t.sender(), s -> ledger.lastNonce(s) + 1);
            if (t.nonce() != expected) {
                return Verdict.reject("transaction " + i + " from " + t.sender() + " has nonce " + t.nonce() + ", expected " + expected);
            }
            next.put(t.sender(), expected + 1);
        }
        return Verdict.accept();
    }
}
