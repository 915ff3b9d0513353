package io.backplane.accel.bls;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;
import supranational.blst.BLST_ERROR;
import supranational.blst.P1;
import supranational.blst.P2;
import supranational.blst.P2_Affine;
import supranational.blst.Pairing;
import supranational.blst.SecretKey;

/**
 * The CPU path for BLS12-381 signatures of ciphersuite {@value #DST}, through blst. Semantics are exactly those of the
 * Ethereum consensus specs (the IETF draft's proof-of-possession scheme): public keys must pass {@code KeyValidate}
 * (so never infinity), signatures must be in G2 (infinity allowed), empty inputs are invalid.
 *
 * <p>This is the project's one copy of BLS verification and aggregation; key generation, public-key derivation,
 * signing and proving possession are hsm-keystore's {@code io.backplane.hsm.bls.Bls}, beside the keys.
 *
 * <p>Bad input never throws out of a verifying method: it verifies as {@code false}; aggregation returns empty.
 * Instances are thread-safe; batch verification uses the common fork-join pool for large batches.
 */
public final class BlsCpu {
    /** Domain separation tag of the Ethereum ciphersuite. */
    public static final String DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /** Domain separation tag of proofs of possession in that ciphersuite (IETF BLS draft, PopProve / PopVerify). */
    public static final String POP_DST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    /** Bits of the random scalars of the linear combination: forging a batch needs guessing 2^64 values. */
    static final int RANDOM_BITS = 64;

    /** Below this many triples one pairing context verifies them; above, chunks of it run in parallel. */
    private static final int PARALLEL_CHUNK = 32;

    private static final Throwable LOAD_FAILURE = probe();

    private final SecureRandom random;

    /** A CPU path drawing its batch scalars from a fresh {@link SecureRandom}. */
    public BlsCpu() {
        this(new SecureRandom());
    }

    /** A CPU path drawing its batch scalars from {@code random} (must be a CSPRNG outside tests). */
    public BlsCpu(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    private static Throwable probe() {
        try {
            new SecretKey().to_bendian();
            return null;
        } catch (Throwable t) { // UnsatisfiedLinkError when the bundled libblst cannot load on this platform
            return t;
        }
    }

    /** Whether blst's native library loaded. */
    public static boolean isAvailable() {
        return LOAD_FAILURE == null;
    }

    /** Why blst cannot be used; empty when it can. */
    public static Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(LOAD_FAILURE);
    }

    /** {@code Verify(PK, message, signature)}; false for any undecodable or invalid input. */
    public boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (message == null) {
            return false;
        }
        try {
            return verify(BlsPublicKey.decode(publicKey), message, BlsSignature.decode(signature));
        } catch (BlsEncodingException e) {
            return false;
        }
    }

    /** {@code Verify} over already-validated points: only the hash to G2 and the pairing check remain. */
    public boolean verify(BlsPublicKey publicKey, byte[] message, BlsSignature signature) {
        return signature.point.core_verify(publicKey.point, true, message, DST) == BLST_ERROR.BLST_SUCCESS;
    }

    /**
     * {@code PopVerify(PK, proof)}: the public key passes {@code KeyValidate}, the proof is a subgroup-checked G2 point
     * other than the identity, and it verifies over the key's own compressed encoding under {@link #POP_DST}. False for
     * any undecodable or invalid input.
     */
    public boolean verifyPossession(byte[] publicKey, byte[] proof) {
        try {
            return verifyPossession(BlsPublicKey.decode(publicKey), BlsSignature.decode(proof));
        } catch (BlsEncodingException e) {
            return false;
        }
    }

    /** {@code PopVerify} over already-validated points (a validator set's keys, decoded once). */
    public boolean verifyPossession(BlsPublicKey publicKey, BlsSignature proof) {
        if (proof.isInfinity()) { // nobody's proof: refused before the pairing
            return false;
        }
        return proof.point.core_verify(publicKey.point, true, publicKey.toBytes(), POP_DST) == BLST_ERROR.BLST_SUCCESS;
    }

    /**
     * {@code Aggregate(signatures)}: every signature decoded and subgroup-checked, then added. Empty when the list is
     * empty or any signature is invalid (the vectors' {@code null}).
     */
    public Optional<byte[]> aggregateSignatures(List<byte[]> signatures) {
        if (signatures == null || signatures.isEmpty()) {
            return Optional.empty();
        }
        List<BlsSignature> decoded = new ArrayList<>(signatures.size());
        try {
            for (byte[] s : signatures) {
                decoded.add(BlsSignature.decode(s));
            }
        } catch (BlsEncodingException e) {
            return Optional.empty();
        }
        return Optional.of(aggregateValidatedSignatures(decoded).toBytes());
    }

    /** Adds validated signatures with {@code add()} (no second subgroup check, unlike blst's {@code aggregate()}). */
    public BlsSignature aggregateValidatedSignatures(List<BlsSignature> signatures) {
        if (signatures.isEmpty()) {
            throw new IllegalArgumentException("cannot aggregate zero signatures");
        }
        P2 sum = new P2(signatures.get(0).point);
        for (int i = 1; i < signatures.size(); i++) {
            sum = sum.add(signatures.get(i).point);
        }
        P2_Affine a = sum.to_affine();
        return new BlsSignature(a.compress(), a);
    }

    /**
     * {@code eth_aggregate_pubkeys}: non-empty, every key passing {@code KeyValidate}, summed. Empty otherwise. The
     * sum itself may be any point, the identity included (validating it is the verifier's business).
     */
    public Optional<byte[]> aggregatePublicKeys(List<byte[]> publicKeys) {
        List<BlsPublicKey> decoded = decodeAll(publicKeys);
        if (decoded == null) {
            return Optional.empty();
        }
        return Optional.of(sum(decoded).to_affine().compress());
    }

    /**
     * The compressed sum of validated keys ({@code add()} only; the identity encoding when they cancel).
     *
     * @throws IllegalArgumentException for an empty list
     */
    public byte[] aggregateValidatedPublicKeys(List<BlsPublicKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("cannot aggregate zero public keys");
        }
        return sum(keys).to_affine().compress();
    }

    private static P1 sum(List<BlsPublicKey> keys) {
        P1 sum = new P1(keys.get(0).point);
        for (int i = 1; i < keys.size(); i++) {
            sum = sum.add(keys.get(i).point);
        }
        return sum;
    }

    /** Null when the list is null, empty, or holds an invalid key. */
    private static List<BlsPublicKey> decodeAll(List<byte[]> publicKeys) {
        if (publicKeys == null || publicKeys.isEmpty()) {
            return null;
        }
        List<BlsPublicKey> decoded = new ArrayList<>(publicKeys.size());
        try {
            for (byte[] pk : publicKeys) {
                decoded.add(BlsPublicKey.decode(pk));
            }
        } catch (BlsEncodingException e) {
            return null;
        }
        return decoded;
    }

    /** {@code FastAggregateVerify(PKs, message, signature)}: false for no keys or any invalid input. */
    public boolean fastAggregateVerify(List<byte[]> publicKeys, byte[] message, byte[] signature) {
        List<BlsPublicKey> decoded = decodeAll(publicKeys);
        if (decoded == null || message == null) {
            return false;
        }
        try {
            return fastAggregateVerifyValidated(decoded, message, BlsSignature.decode(signature));
        } catch (BlsEncodingException e) {
            return false;
        }
    }

    /** {@code FastAggregateVerify} over keys validated once (an epoch's validator set): adds, hashes, pairs. */
    public boolean fastAggregateVerifyValidated(List<BlsPublicKey> publicKeys, byte[] message, BlsSignature signature) {
        if (publicKeys.isEmpty()) {
            return false;
        }
        P1 aggregate = sum(publicKeys);
        if (aggregate.is_inf()) { // CoreVerify runs KeyValidate on the aggregate key
            return false;
        }
        return signature.point.core_verify(aggregate.to_affine(), true, message, DST) == BLST_ERROR.BLST_SUCCESS;
    }

    /**
     * {@code FastAggregateVerify} over the keys of a registered set that {@code signers} selects: the cached points
     * are added (no decoding), then one pairing check. False when the bitmap selects nothing or an index outside the
     * set, the message is null, the signature fails to decode or is outside G2, or the selected keys sum to the
     * identity (CoreVerify's {@code KeyValidate} of the aggregate key); the same answer as
     * {@link #fastAggregateVerify(List, byte[], byte[])} over the selected keys' bytes.
     *
     * <p>The signature is subgroup-checked once, by blst's {@code Pairing.aggregate}; the aggregate key is not
     * checked again (unlike {@code core_verify}, which would spend a G1 subgroup check on it): a sum of keys that
     * passed {@code KeyValidate} is in G1.
     */
    public boolean fastAggregateVerify(BlsKeySet keys, BitSet signers, byte[] message, byte[] signature) {
        if (message == null || !keys.selects(signers)) {
            return false;
        }
        P2_Affine sig = BlsSignature.pointForPairing(signature);
        if (sig == null) {
            return false;
        }
        int first = signers.nextSetBit(0);
        P1 aggregate = new P1(keys.get(first).point);
        for (int i = signers.nextSetBit(first + 1); i >= 0; i = signers.nextSetBit(i + 1)) {
            aggregate = aggregate.add(keys.get(i).point);
        }
        if (aggregate.is_inf()) {
            return false;
        }
        Pairing pairing = new Pairing(true, DST);
        if (pairing.aggregate(aggregate.to_affine(), sig, message) != BLST_ERROR.BLST_SUCCESS) {
            return false; // BLST_POINT_NOT_IN_GROUP: the signature is on the curve but outside G2
        }
        pairing.commit();
        return pairing.finalverify();
    }

    /**
     * {@code AggregateVerify((PK_i, message_i), signature)} of the proof-of-possession scheme (messages need not be
     * distinct). False for no pairs, mismatched counts or any invalid input.
     */
    public boolean aggregateVerify(List<byte[]> publicKeys, List<byte[]> messages, byte[] signature) {
        List<BlsPublicKey> decoded = decodeAll(publicKeys);
        if (decoded == null || messages == null || messages.size() != decoded.size()) {
            return false;
        }
        BlsSignature sig;
        try {
            sig = BlsSignature.decode(signature);
        } catch (BlsEncodingException e) {
            return false;
        }
        Pairing pairing = new Pairing(true, DST);
        for (int i = 0; i < decoded.size(); i++) {
            byte[] m = messages.get(i);
            if (m == null) {
                return false;
            }
            if (pairing.aggregate(decoded.get(i).point, i == 0 ? sig.point : null, m) != BLST_ERROR.BLST_SUCCESS) {
                return false;
            }
        }
        pairing.commit();
        return pairing.finalverify();
    }

    /**
     * Verifies every triple and says which are valid. Triples that fail to decode are invalid at once; the rest are
     * checked together by a random linear combination (one multi-pairing, {@value #RANDOM_BITS}-bit scalars from the
     * CSPRNG), and a failing group is bisected until the bad triples are isolated, so one forgery costs its
     * neighbours a few extra pairings and not their answer.
     */
    public boolean[] batchVerify(List<BlsSignatureSet> sets) {
        int n = sets.size();
        boolean[] valid = new boolean[n];
        BlsPublicKey[] pks = new BlsPublicKey[n];
        BlsSignature[] sigs = new BlsSignature[n];
        IntStream range = IntStream.range(0, n);
        (n >= PARALLEL_CHUNK ? range.parallel() : range).forEach(i -> {
            BlsSignatureSet s = sets.get(i);
            if (s == null || s.message() == null) {
                return;
            }
            try {
                pks[i] = BlsPublicKey.decode(s.publicKey());
                sigs[i] = BlsSignature.decode(s.signature());
            } catch (BlsEncodingException e) {
                pks[i] = null;
                sigs[i] = null;
            }
        });
        int[] live = IntStream.range(0, n).filter(i -> pks[i] != null && sigs[i] != null).toArray();
        int chunks = Math.max(1, (live.length + PARALLEL_CHUNK - 1) / PARALLEL_CHUNK);
        IntStream c = IntStream.range(0, chunks);
        (chunks > 1 ? c.parallel() : c).forEach(k -> {
            int from = k * live.length / chunks;
            int to = (k + 1) * live.length / chunks;
            bisect(sets, pks, sigs, live, from, to, valid);
        });
        return valid;
    }

    /** {@code batch_verify} of the vectors: true only when every triple is valid (and there is at least one). */
    public boolean batchVerifyAll(List<BlsSignatureSet> sets) {
        if (sets.isEmpty()) {
            return false;
        }
        for (boolean v : batchVerify(sets)) {
            if (!v) {
                return false;
            }
        }
        return true;
    }

    private void bisect(List<BlsSignatureSet> sets, BlsPublicKey[] pks, BlsSignature[] sigs, int[] live,
                        int from, int to, boolean[] valid) {
        if (from >= to) {
            return;
        }
        if (to - from == 1) {
            int i = live[from];
            valid[i] = verify(pks[i], sets.get(i).message(), sigs[i]);
            return;
        }
        if (linearCombinationHolds(sets, pks, sigs, live, from, to)) {
            for (int j = from; j < to; j++) {
                valid[live[j]] = true;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        bisect(sets, pks, sigs, live, from, mid, valid);
        bisect(sets, pks, sigs, live, mid, to, valid);
    }

    /** e(G1, Σ r_i·sig_i) == Π e(r_i·pk_i, H(m_i)), with fresh random r_i per call. */
    private boolean linearCombinationHolds(List<BlsSignatureSet> sets, BlsPublicKey[] pks, BlsSignature[] sigs,
                                           int[] live, int from, int to) {
        Pairing pairing = new Pairing(true, DST);
        for (int j = from; j < to; j++) {
            int i = live[j];
            BigInteger r;
            synchronized (random) {
                do {
                    r = new BigInteger(RANDOM_BITS, random);
                } while (r.signum() == 0);
            }
            if (pairing.mul_n_aggregate(pks[i].point, sigs[i].point, r, sets.get(i).message()) != BLST_ERROR.BLST_SUCCESS) {
                return false;
            }
        }
        pairing.commit();
        return pairing.finalverify();
    }
}
