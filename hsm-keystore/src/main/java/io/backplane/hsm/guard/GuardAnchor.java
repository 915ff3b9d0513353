package io.backplane.hsm.guard;

import io.backplane.hsm.Watermark;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where the guard's watermarks are kept outside its log, so that a log that lost history (deleted, emptied, cut back,
 * replaced by an older copy) is recognised at open: its watermarks are below the anchored ones. The keystore keeps it
 * in the PKCS#11 token (a private data object shared with the audit anchor, one write per signature).
 *
 * <p>Ordering: the log record is fsynced before the anchor is raised, and the signature is released only after both.
 * So after a crash the log is at or ahead of its anchor (ahead by what was being signed, which was never released) and
 * is re-anchored at open; a log <em>behind</em> its anchor is never a crash and is refused.
 */
public interface GuardAnchor {
    /** The anchored watermarks; empty when nothing was ever anchored (a new token, nothing to protect). */
    Optional<List<Watermark>> read();

    /**
     * Raises the anchor to cover {@code watermarks}; never lowers it (an implementation keeps the maximum per key and
     * kind of what it holds and what it is given, under its own lock, so concurrent callers cannot reorder it lower).
     * Returns when the anchor is durable. Implementations skip the write when nothing would rise.
     */
    void write(List<Watermark> watermarks);

    /**
     * No anchor: for tests and simulations over a guard directory nobody tampers with. Damage is still detected (CRC,
     * strict torn-tail rule), missing history is not.
     */
    GuardAnchor NONE = new GuardAnchor() {
        @Override
        public Optional<List<Watermark>> read() {
            return Optional.empty();
        }

        @Override
        public void write(List<Watermark> watermarks) {
            // unanchored
        }
    };

    /** The per (key, kind) maximum of {@code a} and {@code b}, sorted by key id then kind. */
    static List<Watermark> max(Collection<Watermark> a, Collection<Watermark> b) {
        Map<String, EnumMap<io.backplane.hsm.SigningKind, Watermark>> m = new TreeMap<>();
        for (Collection<Watermark> c : List.of(a, b)) {
            for (Watermark w : c) {
                EnumMap<io.backplane.hsm.SigningKind, Watermark> k = m.computeIfAbsent(w.keyId(), x -> new EnumMap<>(io.backplane.hsm.SigningKind.class));
                Watermark old = k.get(w.kind());
                if (old == null || w.isAbove(old.epoch(), old.round())) {
                    k.put(w.kind(), w);
                }
            }
        }
        List<Watermark> out = new ArrayList<>();
        m.values().forEach(k -> out.addAll(k.values()));
        return out;
    }
}
