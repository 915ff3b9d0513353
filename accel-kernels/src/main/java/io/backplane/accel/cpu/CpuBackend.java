package io.backplane.accel.cpu;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Cpu;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.vdf.Wesolowski;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The reference backend. SHA-256 through the JDK's {@link MessageDigest} (HotSpot compiles it to SHA-NI where the
 * CPU has it); VDF through {@link Wesolowski}; BLS12-381 through blst ({@link BlsCpu}); Ed25519 through Bouncy
 * Castle's rule ({@link Ed25519Cpu}: an MSM batch from 24 items, whose answers every device must reproduce). Work is split across the common fork-join pool only above a size
 * where the split costs less than it saves (one message or one proof per task is too fine).
 */
public final class CpuBackend implements AccelBackend {
    /** Below this many bytes in a batch a single thread wins (fork-join overhead is ~10 µs). */
    static final long PARALLEL_MIN_BYTES = 64 * 1024;
    /** Below this many proofs a single thread wins (one verification is ~0.5 ms). */
    static final int PARALLEL_MIN_PROOFS = 2;

    private final BlsCpu bls = new BlsCpu();
    private final Ed25519Cpu ed25519 = new Ed25519Cpu();

    private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(CpuBackend::newSha256);

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String describe() {
        return "cpu (JDK MessageDigest/BigInteger, blst, Ed25519 MSM batch with Bouncy Castle's rule, " + Runtime.getRuntime().availableProcessors() + " cores)";
    }

    @Override
    public List<byte[]> sha256Batch(List<byte[]> messages) {
        int n = messages.size();
        byte[][] out = new byte[n][];
        long bytes = 0;
        for (byte[] m : messages) {
            bytes += m.length;
        }
        range(n, bytes >= PARALLEL_MIN_BYTES && n > 1).forEach(i -> out[i] = SHA.get().digest(messages.get(i)));
        return Arrays.asList(out);
    }

    @Override
    public byte[] merkleRoot(List<byte[]> leaves) {
        int n = leaves.size();
        if (n == 0) {
            return SHA.get().digest();
        }
        // Level by level, carrying an odd last node up unchanged: this is exactly RFC 6962's split at the largest
        // power of two below n, without recursion, in one flat array (millions of leaves fit).
        byte[] level = new byte[n * 32];
        long bytes = 0;
        for (byte[] l : leaves) {
            bytes += l.length + 1;
        }
        range(n, bytes >= PARALLEL_MIN_BYTES).forEach(i -> {
            MessageDigest sha = SHA.get();
            sha.update((byte) 0x00);
            sha.update(leaves.get(i));
            digestInto(sha, level, i * 32);
        });
        int m = n;
        byte[] cur = level;
        while (m > 1) {
            int pairs = m / 2;
            int odd = m & 1;
            final byte[] src = cur;
            final byte[] dst = new byte[(pairs + odd) * 32];
            range(pairs, pairs * 65L >= PARALLEL_MIN_BYTES).forEach(i -> {
                MessageDigest sha = SHA.get();
                sha.update((byte) 0x01);
                sha.update(src, 2 * i * 32, 64);
                digestInto(sha, dst, i * 32);
            });
            if (odd == 1) {
                System.arraycopy(src, (m - 1) * 32, dst, pairs * 32, 32);
            }
            cur = dst;
            m = pairs + odd;
        }
        return Arrays.copyOf(cur, 32);
    }

    @Override
    public boolean[] vdfVerifyBatch(List<VdfProof> proofs) {
        boolean[] out = new boolean[proofs.size()];
        range(proofs.size(), proofs.size() >= PARALLEL_MIN_PROOFS).forEach(i -> out[i] = Wesolowski.verify(proofs.get(i)));
        return out;
    }

    @Override
    public boolean[] ed25519BatchVerify(List<Ed25519Item> items) {
        return ed25519.verifyBatch(items);
    }

    @Override
    public Optional<byte[]> blsAggregateSignatures(List<byte[]> signatures) {
        return bls.aggregateSignatures(signatures);
    }

    @Override
    public Optional<byte[]> blsAggregatePublicKeys(List<byte[]> publicKeys) {
        return bls.aggregatePublicKeys(publicKeys);
    }

    @Override
    public boolean blsVerify(BlsSignatureSet set) {
        return bls.verify(set.publicKey(), set.message(), set.signature());
    }

    @Override
    public boolean blsFastAggregateVerify(BlsFastAggregateInput in) {
        return bls.fastAggregateVerify(in.publicKeys(), in.message(), in.signature());
    }

    @Override
    public boolean blsFastAggregateVerifySet(BlsKeySetAggregateInput in) {
        return bls.fastAggregateVerify(in.keys(), in.signers(), in.message(), in.signature());
    }

    @Override
    public boolean blsAggregateVerify(BlsAggregateVerifyInput in) {
        return bls.aggregateVerify(in.publicKeys(), in.messages(), in.signature());
    }

    @Override
    public boolean[] blsBatchVerifyEach(List<BlsSignatureSet> sets) {
        return bls.batchVerify(sets);
    }

    private static IntStream range(int n, boolean parallel) {
        IntStream s = IntStream.range(0, n);
        return parallel ? s.parallel() : s;
    }

    private static void digestInto(MessageDigest sha, byte[] dst, int off) {
        try {
            sha.digest(dst, off, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
