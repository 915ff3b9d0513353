package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.consensus.types.SigningKind;
import java.util.Arrays;
import java.util.EnumMap;
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

    private final SecretSigner key;
    private final boolean passThrough;
    private final Map<SigningKind, Mark> watermarks = new EnumMap<>(SigningKind.class);
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
            if (cmp == 0 && Arrays.equals(mark.message(), request.message())) {
                return mark.signature().clone();
            }
            if (cmp <= 0) {
                refusals++;
                throw new SigningRefusedException("refused " + request.kind() + " for epoch " + request.epoch() + " round " + request.round()
                        + ": already signed a different " + request.kind() + " at epoch " + mark.epoch() + " round " + mark.round());
            }
        }
        byte[] sig = key.sign(request.message());
        // The watermark and safety data are "written" before the signature leaves, as the durable guard does.
        watermarks.put(request.kind(), new Mark(request.epoch(), request.round(), request.message(), sig));
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
