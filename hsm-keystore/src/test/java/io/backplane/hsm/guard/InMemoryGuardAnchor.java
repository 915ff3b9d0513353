package io.backplane.hsm.guard;

import io.backplane.hsm.Watermark;
import java.util.List;
import java.util.Optional;

/**
 * A working guard anchor kept in memory (the keystore's is a token object): it keeps the maximum it was given, and
 * counts the writes that raised it. {@link #copy()} gives an independent anchor holding the same watermarks.
 */
final class InMemoryGuardAnchor implements GuardAnchor {
    private List<Watermark> held;
    int raises;

    InMemoryGuardAnchor(List<Watermark> initial) {
        this.held = initial;
    }

    /** No anchor yet (a new token). */
    static InMemoryGuardAnchor empty() {
        return new InMemoryGuardAnchor(null);
    }

    @Override
    public synchronized Optional<List<Watermark>> read() {
        return Optional.ofNullable(held);
    }

    @Override
    public synchronized void write(List<Watermark> watermarks) {
        List<Watermark> merged = GuardAnchor.max(held == null ? List.of() : held, watermarks);
        if (!merged.equals(held)) {
            held = merged;
            raises++;
        }
    }

    synchronized InMemoryGuardAnchor copy() {
        return new InMemoryGuardAnchor(held);
    }
}
