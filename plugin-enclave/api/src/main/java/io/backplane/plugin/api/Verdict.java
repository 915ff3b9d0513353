package io.backplane.plugin.api;

import java.util.Objects;

/** Output of {@link BlockValidator}: accept, or reject with a reason an operator can read. */
public record Verdict(boolean accepted, String reason) {
    public Verdict {
        Objects.requireNonNull(reason, "reason");
    }

    public static Verdict accept() {
        return new Verdict(true, "");
    }

    public static Verdict reject(String reason) {
        return new Verdict(false, reason);
    }
}
