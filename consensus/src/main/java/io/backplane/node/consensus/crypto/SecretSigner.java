package io.backplane.node.consensus.crypto;

/**
 * A validator's secret key, able to sign anything. Only the guarded signer (and, in the simulation, a Byzantine
 * validator, which by definition signs whatever it likes with its own key) holds one.
 */
public interface SecretSigner {
    byte[] publicKey();

    byte[] sign(byte[] message);

    /**
     * A proof of possession of this key: the scheme's signature over {@link #publicKey()} under its own POP domain
     * (for BLS, the Ethereum ciphersuite's {@code BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_}). A key enters a
     * validator set only with it (DESIGN.md §4), which defeats rogue-key attacks on fast-aggregate-verify.
     */
    byte[] proofOfPossession();
}
