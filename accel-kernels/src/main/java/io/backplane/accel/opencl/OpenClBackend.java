package io.backplane.accel.opencl;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.AccelOp;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.opencl.bls.BlsG1OpenCl;
import io.backplane.accel.opencl.bls.BlsG2OpenCl;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.opencl.ed25519.Ed25519OpenCl;
import io.backplane.accel.vdf.Rsa2048;
import io.backplane.accel.vdf.Wesolowski;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * The OpenCL backend: the kernels in {@code kernels/*.cl}, built when the backend opens (through the program cache)
 * so no call ever compiles. SHA-256 and Merkle levels run one work-item per message/node; VDF verification runs the
 * two 2048-bit modular exponentiations per proof on the device (Montgomery, one proof per work-item) while the host
 * does HashToPrime and the canonical checks. Ed25519 batch verification runs one signature per work-item
 * ({@link Ed25519OpenCl}); BLS public-key and signature aggregation decode, subgroup-check and tree-sum points on
 * the device ({@link BlsG1OpenCl}, {@link BlsG2OpenCl}); BLS batch verification decodes and multiplies by the random
 * scalars there, hashing to G2 and the pairings staying on the CPU. Fast-aggregate-verify validates and sums the keys
 * on the device ({@code -set}: sums a registered set's cached points, no decoding) and pairs on the CPU. The other
 * BLS operations have no kernel: {@link #supports} says so and the {@link io.backplane.accel.Accelerator} runs them
 * on the CPU. Device calls are serialised (kernels and buffers are
 * reused); every kernel family shares this one context and program cache.
 */
public final class OpenClBackend implements AccelBackend {
    private static final int LIMBS = Rsa2048.BYTES / 4;
    private static final int[] N_LIMBS = limbs(Rsa2048.N);
    private static final int[] R2_LIMBS = limbs(BigInteger.ONE.shiftLeft(2 * 2048).mod(Rsa2048.N));
    private static final int N0 = BigInteger.ONE.shiftLeft(32).subtract(Rsa2048.N.modInverse(BigInteger.ONE.shiftLeft(32))).intValue();
    private static final byte[] EMPTY_SHA256 = emptyDigest();

    private final OpenClContext cl;
    private final cl_kernel shaKernel;
    private final cl_kernel merkleKernel;
    private final cl_kernel vdfKernel;
    private final cl_mem nBuf;
    private final cl_mem r2Buf;
    private final Ed25519OpenCl ed25519;
    private final BlsG1OpenCl blsG1;
    private final BlsG2OpenCl blsG2;
    /** The batch-verify scalars (a CSPRNG: predictable scalars would let a forger cancel terms) and bisection. */
    private final java.security.SecureRandom scalars = new java.security.SecureRandom();
    private final io.backplane.accel.bls.BlsCpu blsCpu = new io.backplane.accel.bls.BlsCpu(scalars);

    private OpenClBackend(OpenClContext cl) {
        this.cl = cl;
        ed25519 = Ed25519OpenCl.on(cl);
        blsG1 = BlsG1OpenCl.on(cl);
        blsG2 = BlsG2OpenCl.on(cl);
        cl_program sha = cl.program("kernels/sha256.cl", "");
        cl_program vdf = cl.program("kernels/vdf_verify.cl", "");
        shaKernel = cl.kernel(sha, "sha256_batch");
        merkleKernel = cl.kernel(sha, "merkle_level");
        vdfKernel = cl.kernel(vdf, "vdf_pow2");
        nBuf = cl.buffer("vdf.n", LIMBS * 4L);
        cl.write(nBuf, N_LIMBS);
        r2Buf = cl.buffer("vdf.r2", LIMBS * 4L);
        cl.write(r2Buf, R2_LIMBS);
    }

    /** Opens the device and builds (or loads from {@code cache}) every kernel; throws with the cause on failure. */
    public static OpenClBackend open(OpenClRuntime.Handle device, ProgramCache cache) {
        OpenClContext cl = OpenClContext.open(device, cache);
        try {
            return new OpenClBackend(cl);
        } catch (RuntimeException e) {
            cl.close();
            throw e;
        }
    }

    public OpenClDevice device() {
        return cl.device();
    }

    /** Transfer and kernel time of this backend's device calls (the bench reports the transfer share). */
    public DeviceTiming timing() {
        return cl.timing();
    }

    @Override
    public String name() {
        return "opencl";
    }

    /** The operations this backend has kernels for; others are answered by the CPU. */
    private static final java.util.Set<String> OPS = java.util.Set.of(AccelOp.SHA256.name(), AccelOp.MERKLE.name(),
            AccelOp.VDF_VERIFY.name(), AccelOp.ED25519_VERIFY.name(), AccelOp.BLS_AGGREGATE_PUBKEYS.name(),
            AccelOp.BLS_AGGREGATE.name(), AccelOp.BLS_BATCH_VERIFY.name(), AccelOp.BLS_FAST_AGGREGATE_VERIFY.name(),
            AccelOp.BLS_FAST_AGGREGATE_VERIFY_SET.name());

    @Override
    public boolean supports(AccelOp<?, ?> op) {
        return OPS.contains(op.name());
    }

    @Override
    public boolean sharesHostCpu() {
        return "CPU".equals(cl.device().type());
    }

    @Override
    public String describe() {
        return cl.device().describe();
    }

    @Override
    public synchronized List<byte[]> sha256Batch(List<byte[]> messages) {
        int n = messages.size();
        if (n == 0) {
            return List.of();
        }
        cl_mem out = hashOnDevice(messages, -1, "sha.out");
        byte[] digests = new byte[n * 32];
        cl.read(out, digests);
        List<byte[]> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            result.add(Arrays.copyOfRange(digests, i * 32, i * 32 + 32));
        }
        return result;
    }

    @Override
    public synchronized byte[] merkleRoot(List<byte[]> leaves) {
        int n = leaves.size();
        if (n == 0) {
            return EMPTY_SHA256.clone();
        }
        cl_mem src = hashOnDevice(leaves, 0x00, "merkle.a");
        String srcName = "merkle.a";
        int m = n;
        while (m > 1) {
            int next = m / 2 + (m & 1);
            String dstName = srcName.equals("merkle.a") ? "merkle.b" : "merkle.a";
            cl_mem dst = cl.buffer(dstName, next * 32L);
            OpenClContext.args(merkleKernel, src, m, dst);
            cl.run(merkleKernel, next);
            src = dst;
            srcName = dstName;
            m = next;
        }
        byte[] root = new byte[32];
        cl.read(src, root);
        return root;
    }

    /** Packs the messages, runs sha256_batch, and returns the buffer (n × 32 bytes) named {@code outName}. */
    private cl_mem hashOnDevice(List<byte[]> messages, int prefix, String outName) {
        int n = messages.size();
        long[] offsets = new long[n + 1];
        long total = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = total;
            total += messages.get(i).length;
        }
        offsets[n] = total;
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("batch of " + total + " bytes is too large for one device transfer");
        }
        byte[] packed = new byte[(int) total];
        for (int i = 0; i < n; i++) {
            byte[] m = messages.get(i);
            System.arraycopy(m, 0, packed, (int) offsets[i], m.length);
        }
        cl_mem data = cl.buffer("sha.data", total);
        cl_mem offs = cl.buffer("sha.offsets", (n + 1) * 8L);
        cl_mem out = cl.buffer(outName, n * 32L);
        cl.write(data, packed);
        cl.write(offs, offsets);
        OpenClContext.args(shaKernel, data, offs, prefix, out, n);
        cl.run(shaKernel, n);
        return out;
    }

    @Override
    public boolean[] vdfVerifyBatch(List<VdfProof> proofs) {
        int n = proofs.size();
        boolean[] valid = new boolean[n];
        // Host part, in parallel outside the device lock: canonical checks and HashToPrime (SHA-256 + BPSW).
        Wesolowski.Exponents[] exps = new Wesolowski.Exponents[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            if (Wesolowski.allCanonical(proofs.get(i))) {
                exps[i] = Wesolowski.exponents(proofs.get(i));
            }
        });
        int[] idx = IntStream.range(0, n).filter(i -> exps[i] != null).toArray();
        if (idx.length == 0) {
            return valid;
        }
        int[] pis = new int[idx.length * LIMBS];
        int[] xs = new int[idx.length * LIMBS];
        int[] es = new int[idx.length * 8];
        for (int k = 0; k < idx.length; k++) {
            VdfProof p = proofs.get(idx[k]);
            System.arraycopy(limbs(p.proofInt()), 0, pis, k * LIMBS, LIMBS);
            System.arraycopy(limbs(p.xInt()), 0, xs, k * LIMBS, LIMBS);
            System.arraycopy(words128(exps[idx[k]].l()), 0, es, k * 8, 4);
            System.arraycopy(words128(exps[idx[k]].r()), 0, es, k * 8 + 4, 4);
        }
        int[] out = new int[idx.length * LIMBS];
        synchronized (this) {
            cl_mem piBuf = cl.buffer("vdf.pi", pis.length * 4L);
            cl_mem xBuf = cl.buffer("vdf.x", xs.length * 4L);
            cl_mem eBuf = cl.buffer("vdf.e", es.length * 4L);
            cl_mem outBuf = cl.buffer("vdf.out", out.length * 4L);
            cl.write(piBuf, pis);
            cl.write(xBuf, xs);
            cl.write(eBuf, es);
            OpenClContext.args(vdfKernel, piBuf, xBuf, eBuf, nBuf, r2Buf, N0, outBuf, idx.length);
            cl.run(vdfKernel, idx.length);
            cl.read(outBuf, out);
        }
        for (int k = 0; k < idx.length; k++) {
            BigInteger v = fromLimbs(out, k * LIMBS);
            valid[idx[k]] = v.signum() != 0 && Wesolowski.canon(v).equals(proofs.get(idx[k]).yInt());
        }
        return valid;
    }

    @Override
    public boolean[] ed25519BatchVerify(List<Ed25519Item> items) {
        return ed25519.verifyBatch(items);
    }

    @Override
    public Optional<byte[]> blsAggregatePublicKeys(List<byte[]> publicKeys) {
        return blsG1.aggregatePublicKeysFromBytes(publicKeys);
    }

    @Override
    public Optional<byte[]> blsAggregateSignatures(List<byte[]> signatures) {
        return blsG2.aggregateSignatures(signatures);
    }

    @Override
    public boolean blsVerify(BlsSignatureSet set) {
        throw noKernel(AccelOp.BLS_VERIFY);
    }

    @Override
    public boolean blsFastAggregateVerify(BlsFastAggregateInput input) {
        // The keys are validated (KeyValidate) and summed on the device; the one pairing check runs on the CPU, where
        // Verify's KeyValidate of the aggregate refuses the point at infinity exactly as FastAggregateVerify must.
        if (input.publicKeys() == null || input.message() == null) {
            return false;
        }
        Optional<byte[]> aggregate = blsG1.aggregatePublicKeysFromBytes(input.publicKeys());
        return aggregate.isPresent() && blsCpu.verify(aggregate.get(), input.message(), input.signature());
    }

    @Override
    public boolean blsFastAggregateVerifySet(BlsKeySetAggregateInput input) {
        // The set's keys were validated when it was built: the device only adds the selected cached points (no
        // decoding, unlike bls-fast-aggregate-verify), and the one pairing check runs on the CPU, where Verify's
        // KeyValidate of the aggregate refuses the point at infinity exactly as FastAggregateVerify must.
        BitSet signers = input.signers();
        if (input.message() == null || !input.keys().selects(signers)) {
            return false;
        }
        byte[] aggregate = blsG1.aggregatePublicKeys(input.keys().select(signers));
        return blsCpu.verify(aggregate, input.message(), input.signature());
    }

    @Override
    public boolean blsAggregateVerify(BlsAggregateVerifyInput input) {
        throw noKernel(AccelOp.BLS_AGGREGATE_VERIFY);
    }

    @Override
    public boolean[] blsBatchVerifyEach(List<BlsSignatureSet> sets) {
        return blsG2.batchVerify(sets, scalars, blsCpu);
    }

    /** Reached only by a caller that skipped {@link #supports}; the Accelerator never does. */
    private UnsupportedOperationException noKernel(AccelOp<?, ?> op) {
        return new UnsupportedOperationException(op.name() + " has no OpenCL kernel yet; run it on the CPU backend");
    }

    static int[] limbs(BigInteger v) {
        int[] out = new int[LIMBS];
        for (int j = 0; j < LIMBS; j++) {
            out[j] = v.shiftRight(32 * j).intValue();
        }
        return out;
    }

    private static int[] words128(BigInteger v) {
        if (v.bitLength() > 128) {
            throw new IllegalStateException("exponent wider than 128 bits");
        }
        int[] w = new int[4];
        for (int j = 0; j < 4; j++) {
            w[j] = v.shiftRight(32 * j).intValue();
        }
        return w;
    }

    static BigInteger fromLimbs(int[] a, int off) {
        byte[] be = new byte[LIMBS * 4];
        for (int j = 0; j < LIMBS; j++) {
            int w = a[off + j];
            int p = (LIMBS - 1 - j) * 4;
            be[p] = (byte) (w >>> 24);
            be[p + 1] = (byte) (w >>> 16);
            be[p + 2] = (byte) (w >>> 8);
            be[p + 3] = (byte) w;
        }
        return new BigInteger(1, be);
    }

    private static byte[] emptyDigest() {
        try {
            return MessageDigest.getInstance("SHA-256").digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        ed25519.close();
        blsG1.close();
        blsG2.close();
        cl.close();
    }
}
