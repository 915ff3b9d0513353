package io.backplane.hsm.guard;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.GuardedSigner;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningRequest;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guarded signer: guard check, raw signature, durable record (carrying the audit entry's bytes where the listener
 * gives them: one fsync), audit, anchor, release, in that order, under one lock per key (so two requests for the same slot cannot both pass the check). Usable on its own over any {@link RawSigner}
 * (for example one BLS key in tests: {@code new GuardedSigning(SigningGuard.open(dir), Bls.inMemory(id, sk), NONE)}).
 */
public final class GuardedSigning implements GuardedSigner {
    private final SigningGuard guard;
    private final RawSigner raw;
    private final SigningListener listener;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    public GuardedSigning(SigningGuard guard, RawSigner raw, SigningListener listener) {
        this.guard = guard;
        this.raw = raw;
        this.listener = listener;
    }

    @Override
    public Signature sign(SigningRequest request) {
        byte[] bytes = request.bytes();
        byte[] hash = SigningGuard.sha256(bytes);
        synchronized (locks.computeIfAbsent(request.keyId(), k -> new Object())) {
            SigningGuard.Decision d = guard.check(request, hash);
            switch (d) {
                case SigningGuard.Repeat rep -> {
                    listener.signed(request, hash, rep.signature(), true);
                    return new Signature(rep.signature(), true);
                }
                case SigningGuard.Refuse ref -> {
                    DoubleSignRefused refusal = new DoubleSignRefused(ref.reason(), ref.watermark());
                    listener.refused(request, hash, refusal);
                    throw refusal;
                }
                case SigningGuard.Fresh f -> {
                    byte[] sig;
                    try {
                        sig = raw.sign(request.keyId(), bytes);
                    } catch (RuntimeException e) {
                        throw failed(request, hash, e);
                    }
                    boolean[] recorded = {false};
                    try {
                        // The guard record (fsynced) carries the audit entry's bytes where the listener gives them.
                        listener.recordSigned(request, hash, sig, audit -> {
                            guard.record(request, hash, sig, audit);
                            recorded[0] = true;
                        });
                    } catch (RuntimeException e) {
                        // Not recorded: no signature came out (sign-failed). Recorded but not audited: withheld, as before.
                        throw recorded[0] ? e : failed(request, hash, e);
                    }
                    if (!recorded[0]) {
                        throw new IllegalStateException("signing listener did not record the signature of " + request.keyId() + "; not released");
                    }
                    // Last before release: the anchor outside the log covers this signature (with the keystore's token
                    // anchor, the audit entry's anchor write above already did, and this finds nothing to raise).
                    guard.commitAnchor();
                    return new Signature(sig, false);
                }
            }
        }
    }

    private RuntimeException failed(SigningRequest request, byte[] hash, RuntimeException e) {
        try {
            listener.failed(request, hash, e);
        } catch (RuntimeException auditFailure) {
            e.addSuppressed(auditFailure);
        }
        return e;
    }

    @Override
    public byte[] publicKey(String keyId) {
        return raw.publicKey(keyId);
    }

    public SigningGuard guard() {
        return guard;
    }
}
