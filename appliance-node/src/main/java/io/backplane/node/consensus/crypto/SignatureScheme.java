package io.backplane.node.consensus.crypto;

import io.backplane.node.consensus.types.ValidatorSet;

/** A signature scheme: makes keys and the {@link QuorumCrypto} of a validator set. */
public interface SignatureScheme {
    String name();

    /** A key derived deterministically from {@code ikm} (at least 32 bytes of key material). */
    SecretSigner keyFromSeed(byte[] ikm);

    /** Decodes and checks the set's public keys once; throws {@link IllegalArgumentException} naming a bad key. */
    QuorumCrypto forValidators(ValidatorSet validators);
}
