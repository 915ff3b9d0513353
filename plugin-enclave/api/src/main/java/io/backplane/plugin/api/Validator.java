package io.backplane.plugin.api;

import java.util.Objects;

/** One validator of an epoch: its id and its stake (voting power, positive). */
public record Validator(String id, long stake) {
    public Validator {
        Objects.requireNonNull(id, "id");
        if (stake <= 0) {
            throw new IllegalArgumentException("validator " + id + ": stake must be positive, got " + stake);
        }
    }
}
