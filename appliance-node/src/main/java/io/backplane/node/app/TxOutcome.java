package io.backplane.node.app;

/** What execution did with one transaction of a block: applied, or skipped for {@code reason} (null when applied). */
public record TxOutcome(byte[] hash, boolean applied, String reason) {
    public TxOutcome {
        hash = hash.clone();
        if (applied != (reason == null)) {
            throw new IllegalArgumentException("a reason is given exactly when the transaction was not applied");
        }
    }
}
