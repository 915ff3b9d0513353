package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.types.SigningKind;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A working in-memory guarded signer with the rules of {@link ConsensusSigner}. Its state stands for what the real
 * guard keeps on disk: the simulation keeps this object across a node's crash and restart, and drops everything
 * else. Not thread-safe (the simulation is single-threaded).
 */
public final class InMemoryGuardedSigner implements ConsensusSigner {
    private record Mark(long epoch, long round, byte[] message, byte[] signature) {
    }

    private record Slot(SigningKind kind, long epoch, long round) {
    }

    /** Recent signed slots kept for repeats, as hsm-keystore's SigningGuard keeps them; older ones only the watermark covers. */
    static final int RECENT = 1024;

    private final SecretSigner key;
    private final boolean passThrough;
    private final Map<SigningKind, Mark> watermarks = new EnumMap<>(SigningKind.class);
    /** The very same bytes at any recent slot get the very same signature (DESIGN §7), not only at the watermark. */
    private final Map<Slot, Mark> recent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Slot, Mark> eldest) {
            return size() > RECENT;
        }
    };
    private byte[] safetyData;
    private long refusals;
    private long signatures;

    public InMemoryGuardedSigner(SecretSigner key) {
        this(key, false);
    }

    /**
     * With {@code passThrough} the guard refuses nothing (it still stores the safety data): the simulation's mode in
     * which a safety-rule bug shows up as a double signature instead of a refusal. Never for a real node.
     */
    public InMemoryGuardedSigner(SecretSigner key, boolean passThrough) {
        this.key = key;
        this.passThrough = passThrough;
    }

    @Override
    public byte[] publicKey() {
        return key.publicKey();
    }

    @Override
    public byte[] sign(SigningRequest request) throws SigningRefusedException {
        Mark mark = watermarks.get(request.kind());
        if (mark != null && !passThrough) {
            int cmp = compare(request.epoch(), request.round(), mark.epoch(), mark.round());
            Mark prior = recent.get(new Slot(request.kind(), request.epoch(), request.round()));
            if (prior != null && Arrays.equals(prior.message(), request.message())) {
                return prior.signature().clone();
            }
            if (cmp <= 0) {
                refusals++;
                throw new SigningRefusedException("refused " + request.kind() + " for epoch " + request.epoch() + " round " + request.round()
                        + ": already signed a different " + request.kind() + " at epoch " + mark.epoch() + " round " + mark.round());
            }
        }
        byte[] sig = key.sign(request.message());
        // The watermark and safety data are "written" before the signature leaves, as the durable guard does.
        Mark signed = new Mark(request.epoch(), request.round(), request.message(), sig);
        watermarks.put(request.kind(), signed);
        recent.put(new Slot(request.kind(), request.epoch(), request.round()), signed);
        safetyData = request.safetyData();
        signatures++;
        return sig.clone();
    }

    @Override
    public Optional<byte[]> safetyData() {
        return Optional.ofNullable(safetyData).map(byte[]::clone);
    }

    public long refusals() {
        return refusals;
    }

    public long signatures() {
        return signatures;
    }

    private static int compare(long e1, long r1, long e2, long r2) {
        int c = Long.compare(e1, e2);
        return c != 0 ? c : Long.compare(r1, r2);
    }
}
