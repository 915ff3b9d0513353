package io.backplane.node.consensus.round;

/**
 * Round manager settings.
 *
 * @param baseRoundTimeoutMs round timeout after progress; doubles per round entered by timeout
 * @param maxBackoffExponent cap on the doubling
 * @param maxPayloadBytes proposals with a larger payload are rejected before voting
 * @param fetchBatch blocks asked for per block-retrieval request
 */
public record ConsensusConfig(long baseRoundTimeoutMs, int maxBackoffExponent, int maxPayloadBytes, int fetchBatch) {
    public static ConsensusConfig defaults() {
        return new ConsensusConfig(1000, 6, 1 << 20, 64);
    }
}
