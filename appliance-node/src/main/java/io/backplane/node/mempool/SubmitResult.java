package io.backplane.node.mempool;

/** The mempool's answer to one submitted transaction. */
public sealed interface SubmitResult {
    /** Admitted and pending; {@code hash} is the transaction's SHA-256. */
    record Accepted(byte[] hash) implements SubmitResult {
        public Accepted {
            hash = hash.clone();
        }
    }

    /**
     * Refused for good (resubmitting the same bytes will not help). {@code reason} starts with a fixed token
     * (malformed, wrong-chain, bad-signature, stale-nonce, nonce-too-far, duplicate, nonce-taken), which is also the
     * counter's name, optionally followed by ": " and a detail.
     */
    record Rejected(String reason) implements SubmitResult {
        /** The fixed token of {@link #reason()}. */
        public String token() {
            int colon = reason.indexOf(':');
            return colon < 0 ? reason : reason.substring(0, colon);
        }
    }

    /** Valid, but the mempool (or the sender's share of it) is full: try again after {@code retryAfterMs}. */
    record Busy(long retryAfterMs) implements SubmitResult {}
}
