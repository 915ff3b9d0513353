package io.backplane.accel.bls;

import java.util.BitSet;
import java.util.Objects;

/**
 * The arguments of {@code FastAggregateVerify} over a registered {@link BlsKeySet}: the bitmap selects the signers by
 * index (a QC's signer set), the message and the aggregate signature are raw bytes. A bitmap that selects nothing or
 * an index outside the set, a null message or a signature that fails to decode make the answer {@code false}.
 *
 * @param keys      the registered, already validated keys
 * @param signers   signer indices into {@code keys}; copied here and on every read, so a caller's later change to its
 *                  bitmap cannot reach a call in flight (the device thread, the cross-check)
 * @param message   the signed message
 * @param signature the 96-byte compressed aggregate signature
 */
public record BlsKeySetAggregateInput(BlsKeySet keys, BitSet signers, byte[] message, byte[] signature) {
    public BlsKeySetAggregateInput {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(signers, "signers");
        signers = (BitSet) signers.clone();
    }

    @Override
    public BitSet signers() {
        return (BitSet) signers.clone();
    }

    /** The number of selected signers (the operation's batch size), whether or not they are in the set. */
    public int signerCount() {
        return signers.cardinality();
    }
}
