package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.types.SigningKind;

/**
 * One request to the guarded signer: sign {@code message} as the {@code kind} statement of (epoch, round).
 * {@code safetyData} is opaque to the signer: it is written durably together with the new watermark, before the
 * signature is released, and handed back by {@link ConsensusSigner#safetyData()} after a restart.
 */
public record SigningRequest(long epoch, long round, SigningKind kind, byte[] message, byte[] safetyData) {
    public SigningRequest {
        message = message.clone();
        safetyData = safetyData.clone();
    }
}
