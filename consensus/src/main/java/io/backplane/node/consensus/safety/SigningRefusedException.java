package io.backplane.node.consensus.safety;

/** The guarded signer refused: signing would contradict a statement it already signed (typed, never a dropped call). */
public final class SigningRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    public SigningRefusedException(String message) {
        super(message);
    }
}
