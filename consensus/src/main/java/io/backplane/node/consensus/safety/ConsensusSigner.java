package io.backplane.node.consensus.safety;

import java.util.Optional;

/**
 * The only way consensus gets a signature. The implementation holds the key and a durable watermark per
 * {@link io.backplane.node.consensus.types.SigningKind}: it refuses a second, different message at or below the
 * (epoch, round) it last signed for that kind, and returns the very same signature again for the very same bytes
 * (a crash between signing and sending must not cost the vote). The production implementation is hsm-keystore's
 * guarded signer; {@link InMemoryGuardedSigner} keeps the same rules in memory for the simulation.
 */
public interface ConsensusSigner {
    /** The signer's validator public key (as in the validator set). */
    byte[] publicKey();

    /** Signs, or refuses with the reason. The watermark and {@code request.safetyData()} are durable before this returns. */
    byte[] sign(SigningRequest request) throws SigningRefusedException;

    /**
     * The key's proof of possession (DESIGN.md §4), if this signer can make one (the node's HSM adapter asks the token;
     * a signer without one cannot join a validator set that checks them).
     */
    default Optional<byte[]> proofOfPossession() {
        return Optional.empty();
    }

    /** The safety data stored with the newest released signature, if any. */
    Optional<byte[]> safetyData();
}
