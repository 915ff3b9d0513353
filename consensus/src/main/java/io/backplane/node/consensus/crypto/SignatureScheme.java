package io.backplane.node.consensus.crypto;

import io.backplane.node.consensus.types.ValidatorSet;

/** A signature scheme: makes keys and the {@link QuorumCrypto} of a validator set. */
public interface SignatureScheme {
    String name();

    /** A key derived deterministically from {@code ikm} (at least 32 bytes of key material). */
    SecretSigner keyFromSeed(byte[] ikm);

    /**
     * Decodes and checks the set's public keys once, and verifies every validator's proof of possession (DESIGN.md
     * §4: a key enters a set only with one); throws {@link IllegalArgumentException} naming the bad key or proof.
     */
    QuorumCrypto forValidators(ValidatorSet validators);
}
