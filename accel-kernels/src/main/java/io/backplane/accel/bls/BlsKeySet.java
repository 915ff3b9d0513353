package io.backplane.accel.bls;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * A registered set of public keys (an epoch's validator set), each decoded and {@code KeyValidate}d once, when the
 * set is built; the {@code bls-fast-aggregate-verify-set} operation then selects signers by index and only adds their
 * cached points, so a QC check costs one aggregation and one pairing check instead of a decoding (square root and
 * subgroup check) per signer.
 *
 * <p>Immutable and thread-safe: the keys are copied in and handed out only as copies of their canonical bytes or as
 * {@link BlsPublicKey}s (themselves immutable).
 */
public final class BlsKeySet {
    private final BlsPublicKey[] keys;

    private BlsKeySet(BlsPublicKey[] keys) {
        this.keys = keys;
    }

    /**
     * Decodes and validates every key.
     *
     * @throws BlsEncodingException naming the index of the first key that fails {@code KeyValidate} and the rule it
     *                              broke (length, flags, field range, curve, subgroup, infinity)
     */
    public static BlsKeySet decode(List<byte[]> publicKeys) {
        Objects.requireNonNull(publicKeys, "public keys");
        BlsPublicKey[] keys = new BlsPublicKey[publicKeys.size()];
        for (int i = 0; i < keys.length; i++) {
            try {
                keys[i] = BlsPublicKey.decode(publicKeys.get(i));
            } catch (BlsEncodingException e) {
                throw new BlsEncodingException("public key " + i + " of " + keys.length + ": " + e.getMessage());
            }
        }
        return new BlsKeySet(keys);
    }

    /** A set of keys already validated (a {@link BlsPublicKey} exists only for a key that passed {@code KeyValidate}). */
    public static BlsKeySet of(List<BlsPublicKey> publicKeys) {
        Objects.requireNonNull(publicKeys, "public keys");
        BlsPublicKey[] keys = new BlsPublicKey[publicKeys.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = publicKeys.get(i);
            if (keys[i] == null) {
                throw new IllegalArgumentException("public key " + i + " of " + keys.length + ": null");
            }
        }
        return new BlsKeySet(keys);
    }

    /** The number of keys; valid signer indices are {@code [0, size())}. */
    public int size() {
        return keys.length;
    }

    /** Key {@code index}, validated. */
    public BlsPublicKey get(int index) {
        return keys[index];
    }

    /** A copy of key {@code index}'s 48-byte canonical (compressed) encoding. */
    public byte[] publicKey(int index) {
        return keys[index].toBytes();
    }

    /**
     * Whether {@code signers} names at least one key and only keys of this set: a QC's bitmap that does not is
     * answered {@code false}, never an exception.
     */
    public boolean selects(BitSet signers) {
        return signers != null && !signers.isEmpty() && signers.length() <= keys.length;
    }

    /**
     * The keys {@code signers} selects, in index order (for a backend that adds them elsewhere).
     *
     * @throws IllegalArgumentException when {@link #selects} is false
     */
    public List<BlsPublicKey> select(BitSet signers) {
        if (!selects(signers)) {
            throw new IllegalArgumentException("signer bitmap " + signers + " selects nothing or beyond " + keys.length + " keys");
        }
        List<BlsPublicKey> out = new ArrayList<>(signers.cardinality());
        for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
            out.add(keys[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "BlsKeySet[" + keys.length + " keys]";
    }
}
