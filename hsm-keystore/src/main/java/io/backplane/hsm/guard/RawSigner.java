package io.backplane.hsm.guard;

/**
 * Signs without any guard. Only {@link GuardedSigning} calls it, after the guard approved the request; nothing outside
 * the keystore gets one.
 */
public interface RawSigner {
    byte[] sign(String keyId, byte[] message);

    byte[] publicKey(String keyId);
}
