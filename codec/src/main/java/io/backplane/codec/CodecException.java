package io.backplane.codec;

/** Thrown when bytes are not a valid canonical encoding; the message names what was wrong and where. */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }
}
