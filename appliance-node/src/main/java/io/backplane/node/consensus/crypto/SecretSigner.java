package io.backplane.node.consensus.crypto;

/**
 * A validator's secret key, able to sign anything. Only the guarded signer (and, in the simulation, a Byzantine
 * validator, which by definition signs whatever it likes with its own key) holds one.
 */
public interface SecretSigner {
    byte[] publicKey();

    byte[] sign(byte[] message);
}
