package io.backplane.hsm;

import java.util.Locale;

/** What a consensus signature is for; the guard keeps one watermark per key and kind. */
public enum SigningKind {
    PROPOSAL, VOTE, TIMEOUT;

    /** The lower-case name used on the command line and in JSON ({@code proposal}, {@code vote}, {@code timeout}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; the message lists the accepted names. */
    public static SigningKind parse(String s) {
        for (SigningKind k : values()) {
            if (k.wireName().equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("kind must be one of proposal, vote, timeout; got '" + s + "'");
    }
}
