package io.backplane.node.app;

import java.util.List;

/**
 * The result of executing one block: the state root after it and one outcome per transaction of its payload, in
 * payload order. {@code payloadError} says why the payload could not be decoded (the block then executed as empty);
 * null for a decodable payload.
 */
public record BlockResult(long height, byte[] stateRoot, List<TxOutcome> outcomes, String payloadError) {
    public BlockResult {
        stateRoot = stateRoot.clone();
        outcomes = List.copyOf(outcomes);
    }

    public BlockResult(long height, byte[] stateRoot, List<TxOutcome> outcomes) {
        this(height, stateRoot, outcomes, null);
    }

    /** How many transactions were applied. */
    public long appliedCount() {
        return outcomes.stream().filter(TxOutcome::applied).count();
    }
}
