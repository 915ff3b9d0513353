package io.backplane.accel.bls;

/** A public key or signature whose bytes the Ethereum consensus specs refuse; the message says which rule failed. */
public final class BlsEncodingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public BlsEncodingException(String message) {
        super(message);
    }
}
