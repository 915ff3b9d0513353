package io.backplane.plugin.api;

import java.util.List;
import java.util.Objects;

/** A proposed block as a validator sees it: height, proposer and the transactions of its payload, in block order. */
public record BlockProposal(long height, String proposer, List<Transaction> transactions) {
    public BlockProposal {
        Objects.requireNonNull(proposer, "proposer");
        transactions = List.copyOf(transactions);
    }

    /** The payload size in bytes: the sum of the transaction bodies. */
    public long payloadBytes() {
        long n = 0;
        for (Transaction t : transactions) {
            n += t.body().length;
        }
        return n;
    }
}
