package io.backplane.node.keys;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.GuardedSigner;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningException;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@link ConsensusSigner} over hsm-keystore's {@link GuardedSigner} (the token-sealed BLS key and the fsynced
 * double-sign watermark). The guard stores no consensus safety data, so this adapter makes it durable first, in a
 * {@link SafetyDataFile}, and only then asks the guard for the signature: a crash between the two leaves the safety
 * data ahead of the signatures, which is safe because every field only grows (the node at worst skips a vote it never
 * cast). A safety-data write that fails withholds the signature; a request the guard refuses puts the released
 * signature's safety data back, so a refusal changes nothing. Thread-safe (one request at a time).
 */
public final class HsmConsensusSigner implements ConsensusSigner {
    /**
     * What became of a request: {@code signed}; {@code refused} by the double-sign guard; {@code failed} in the token or
     * keystore; {@code withheld} because the safety data could not be made durable first.
     */
    public enum Outcome {
        SIGNED, REFUSED, FAILED, WITHHELD;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final LongAdder[][] outcomes = new LongAdder[io.backplane.node.consensus.types.SigningKind.values().length][Outcome.values().length];
    private final GuardedSigner guard;
    private final String keyId;
    private final SafetyDataFile safety;
    private final byte[] publicKey;
    /**
     * What this signer last left in the safety-data file (it is the file's only writer, one request at a time), so a
     * request does not read the file back before writing it; null until first read, and after a write that failed.
     */
    private Optional<byte[]> onDisk;

    public HsmConsensusSigner(GuardedSigner guard, String keyId, SafetyDataFile safety) {
        this.guard = guard;
        this.keyId = keyId;
        this.safety = safety;
        this.publicKey = guard.publicKey(keyId);
        for (LongAdder[] row : outcomes) {
            for (int i = 0; i < row.length; i++) {
                row[i] = new LongAdder();
            }
        }
    }

    /** How many requests of {@code kind} ended in {@code outcome} since this signer was made (for the node's metrics). */
    public long count(io.backplane.node.consensus.types.SigningKind kind, Outcome outcome) {
        return outcomes[kind.ordinal()][outcome.ordinal()].sum();
    }

    private void counted(SigningRequest request, Outcome outcome) {
        outcomes[request.kind().ordinal()][outcome.ordinal()].increment();
    }

    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /**
     * The key's proof of possession, made by the token (hsm-keystore's {@code Keystore.proofOfPossession}: the key signs
     * only its own public key under the POP tag, outside the double-sign guard); empty over a guarded signer that is not
     * a keystore (an in-memory key in tests).
     */
    @Override
    public Optional<byte[]> proofOfPossession() {
        return guard instanceof io.backplane.hsm.keystore.Keystore ks ? Optional.of(ks.proofOfPossession(keyId)) : Optional.empty();
    }

    @Override
    public synchronized byte[] sign(SigningRequest request) throws SigningRefusedException {
        Optional<byte[]> released = onDisk != null ? onDisk : released();
        try {
            safety.write(request.safetyData());
            onDisk = Optional.of(request.safetyData().clone());
        } catch (IOException | RuntimeException e) {
            onDisk = null;
            counted(request, Outcome.WITHHELD);
            throw new SigningRefusedException("safety data could not be made durable in " + safety.path() + ", signature withheld: " + e.getMessage());
        }
        io.backplane.hsm.SigningKind kind = switch (request.kind()) {
            case PROPOSAL -> io.backplane.hsm.SigningKind.PROPOSAL;
            case VOTE -> io.backplane.hsm.SigningKind.VOTE;
            case TIMEOUT -> io.backplane.hsm.SigningKind.TIMEOUT;
        };
        try {
            Signature s = guard.sign(new io.backplane.hsm.SigningRequest(keyId, request.epoch(), request.round(), kind, request.message()));
            counted(request, Outcome.SIGNED);
            return s.bytes();
        } catch (DoubleSignRefused e) {
            counted(request, Outcome.REFUSED);
            if (released != null) {
                onDisk = restore(released) ? released : null;
            }
            throw new SigningRefusedException("guard refused " + request.kind() + " for epoch " + request.epoch() + " round " + request.round()
                    + ": " + e.getMessage());
        } catch (SigningException e) {
            counted(request, Outcome.FAILED);
            throw new SigningRefusedException("signing failed" + (e.retryable() ? " (retryable)" : "") + ": " + e.getMessage());
        } catch (RuntimeException e) {
            counted(request, Outcome.FAILED);
            throw e;
        }
    }

    /** What the file holds before this request overwrites it; null when it cannot be read (nothing to put back then). */
    private Optional<byte[]> released() {
        try {
            return safety.read();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * After a refusal: the safety data of the newest released signature again ({@link ConsensusSigner#safetyData}), so
     * a refusal changes nothing. Best effort: if this fails (or a crash comes first) the refused request's safety data
     * stays, which is the safe direction (every field of it is at or above the released one's: the node at worst skips
     * a vote it never cast).
     */
    private boolean restore(Optional<byte[]> released) {
        try {
            if (released.isPresent()) {
                safety.write(released.get());
            } else {
                java.nio.file.Files.deleteIfExists(safety.path());
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // kept ahead: see above
        }
    }

    @Override
    public Optional<byte[]> safetyData() {
        return safety.read();
    }
}
