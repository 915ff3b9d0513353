package io.backplane.accel.ed25519;

/**
 * One (public key, message, signature) triple of a batch. Any byte arrays are accepted, of any length or null: what
 * is malformed simply verifies as {@code false}.
 */
public record Ed25519Item(byte[] publicKey, byte[] message, byte[] signature) {
    /** Public key size. */
    public static final int PUBLIC_KEY_SIZE = 32;
    /** Signature size (R then S). */
    public static final int SIGNATURE_SIZE = 64;

    /** Whether the lengths are right, so the bytes can be handed to a verifier at all. */
    public boolean wellFormed() {
        return publicKey != null && publicKey.length == PUBLIC_KEY_SIZE && signature != null
                && signature.length == SIGNATURE_SIZE && message != null;
    }
}
