package io.backplane.hsm.keystore;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.Watermark;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.guard.GuardAnchor;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one private token data object that anchors both the audit log (its last (seq, hash)) and the double-sign guard
 * (its watermarks), so a signature costs one token write: the audit entry's anchor write carries the guard's
 * watermarks, which already include the record just made durable, and the guard's own {@code commitAnchor} then finds
 * nothing to raise. Kept in the token because it is the one place a person who can edit the node home cannot roll
 * back together with the logs (with SoftHSM, the token is itself files: see the module README's limits).
 *
 * <p>Stored form (hex in the object's CKA_LABEL, see {@link Pkcs11Token#writeDataObject}): the canonical encoding of
 * {@code FORMAT}, an optional audit head (u64 seq, 32-byte hash), and the guard watermarks (key id, kind, epoch,
 * round). The first format, the audit head alone (40 bytes), is still read: it has no guard part, so the guard's
 * watermarks are anchored from its log at the next open. The guard part only rises: each write keeps the maximum per
 * key and kind of what it holds and what it is given, under this object's lock.
 */
final class TokenAnchor implements AuditAnchor {
    static final String FORMAT = "backplane-anchor/2";

    private final Pkcs11Token token;
    private final String label;
    private Supplier<List<Watermark>> guardState = List::of;
    private boolean loaded;
    private AuditAnchor.Head audit;
    private List<Watermark> guard = List.of();
    private boolean guardAnchored;

    TokenAnchor(Pkcs11Token token, String label) {
        this.token = token;
        this.label = label;
    }

    /** Where an audit write takes the guard's current watermarks from (set once the guard is open). */
    synchronized void guardState(Supplier<List<Watermark>> state) {
        this.guardState = state;
    }

    private void load() {
        if (loaded) {
            return;
        }
        List<byte[]> objects = token.readDataObjects(label);
        if (objects.size() > 1) {
            throw new IllegalStateException("the token holds " + objects.size() + " anchor objects '" + label + "'; expected one");
        }
        if (!objects.isEmpty()) {
            byte[] b = objects.get(0);
            if (b.length == 40) {
                audit = AuditAnchor.Head.decode(b); // the first format: the audit head alone
            } else {
                decode(b);
            }
        }
        loaded = true;
    }

    private void decode(byte[] b) {
        try {
            CanonicalReader r = new CanonicalReader(b);
            String f = r.string(64);
            if (!FORMAT.equals(f)) {
                throw new IllegalArgumentException("format '" + f + "'");
            }
            audit = r.optional(x -> new AuditAnchor.Head(x.u64(), x.fixed(32)));
            guard = r.list(1 << 16, x -> {
                String key = x.string(256);
                int kind = x.u8();
                if (kind >= SigningKind.values().length) {
                    throw new IllegalArgumentException("bad kind " + kind);
                }
                return new Watermark(key, SigningKind.values()[kind], x.u64(), x.u64());
            });
            r.finish();
            guardAnchored = true;
        } catch (RuntimeException e) {
            throw new IllegalStateException("the anchor '" + label + "' in the token is malformed (" + e.getMessage() + "); refusing to use it", e);
        }
    }

    private byte[] encode() {
        return new CanonicalWriter(64 + 48 * guard.size()).string(FORMAT)
                .optional(audit, (w, h) -> w.u64(h.seq()).fixed(h.hash(), 32))
                .list(guard, (w, m) -> w.string(m.keyId()).u8(m.kind().ordinal()).u64(m.epoch()).u64(m.round()))
                .toByteArray();
    }

    // --- the audit log's view

    @Override
    public synchronized Optional<AuditAnchor.Head> read() {
        load();
        return Optional.ofNullable(audit);
    }

    @Override
    public synchronized void write(AuditAnchor.Head head) {
        load();
        audit = head;
        guard = GuardAnchor.max(guard, guardState.get());
        guardAnchored = true;
        token.writeDataObject(label, encode());
    }

    // --- the guard's view

    /** The guard view (its {@code read} is the guard part). */
    GuardAnchor guardView() {
        return new GuardAnchor() {
            @Override
            public Optional<List<Watermark>> read() {
                synchronized (TokenAnchor.this) {
                    load();
                    return guardAnchored ? Optional.of(guard) : Optional.empty();
                }
            }

            @Override
            public void write(List<Watermark> watermarks) {
                writeGuard(watermarks);
            }
        };
    }

    private synchronized void writeGuard(List<Watermark> watermarks) {
        load();
        List<Watermark> merged = GuardAnchor.max(guard, watermarks);
        if (guardAnchored && merged.equals(guard)) {
            return; // already anchored (the audit entry's write carried it)
        }
        guard = merged;
        guardAnchored = true;
        token.writeDataObject(label, encode());
    }
}
