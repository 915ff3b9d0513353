package io.backplane.admin.model;

/**
 * A view refusing a request for a reason the caller can act on: the HTTP status to answer (400 bad input, 404
 * unknown name, 409 conflict with the node's state) and a message naming the problem. Nothing was changed.
 */
public final class Refused extends RuntimeException {
    private final int status;

    public Refused(int status, String message) {
        super(message);
        if (status < 400 || status > 499) {
            throw new IllegalArgumentException("a refusal is a 4xx status, got " + status);
        }
        this.status = status;
    }

    public int status() {
        return status;
    }
}
