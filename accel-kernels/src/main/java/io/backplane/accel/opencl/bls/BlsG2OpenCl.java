package io.backplane.accel.opencl.bls;

import io.backplane.accel.bls.*;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import io.backplane.accel.opencl.DeviceTiming;
import io.backplane.accel.opencl.OpenClContext;
import io.backplane.accel.opencl.OpenClDevice;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.ProgramCache;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;
import supranational.blst.P1;
import supranational.blst.P1_Affine;
import supranational.blst.P2;
import supranational.blst.P2_Affine;
import supranational.blst.PT;

/**
 * BLS {@code Aggregate(signatures)} on an OpenCL device ({@code kernels/bls12_381_g2.cl}, compiled together with the
 * G1 kernel's Fp arithmetic): every signature is decoded on the device (flags, both coordinates below p, the square
 * root in Fp2, the sign, the G2 subgroup check by [r]P = 0), then summed by a tree of Jacobian additions. The host
 * only normalises the one sum to affine coordinates ({@link BigInteger}) and compresses it through blst, so the
 * answer is byte for byte {@link BlsCpu#aggregateSignatures}'s. {@link #batchVerify} runs the multi-scalar
 * multiplications of batch verification here too (rᵢ·pkᵢ in G1, Σ rᵢ·sigᵢ in G2), the pairings on the CPU.
 *
 * <p>Calls are serialised on the instance (its own queue on a possibly shared context).
 */
public final class BlsG2OpenCl implements AutoCloseable {
    public static final String KERNEL_RESOURCE = "kernels/bls12_381_g2.cl";
    private static final BigInteger P = BlsG1OpenCl.P;
    private static final int NL = 12;
    private static final int POINT_WORDS = 6 * NL;
    /** Fixed work-group size (global padded): PoCL recompiles a kernel for every new launch geometry. */
    private static final long LOCAL = 16;

    private final OpenClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_kernel decompress;
    private final cl_kernel reduce;
    private final cl_kernel outOfMont;
    private final cl_kernel g2Mul;
    private final cl_kernel g1Decompress;
    private final cl_kernel g1Mul;
    private final cl_kernel g1OutOfMont;
    private final DeviceTiming timing;
    private OpenClContext owned;
    /** Batches whose linear combination failed on the device path and went to the CPU's bisection (for tests, logs). */
    private final java.util.concurrent.atomic.AtomicLong cpuBisections = new java.util.concurrent.atomic.AtomicLong();

    private BlsG2OpenCl(OpenClContext cl, cl_program program) {
        this.device = cl.device();
        this.context = cl.context();
        this.timing = cl.timing();
        this.queue = CL.clCreateCommandQueueWithProperties(context, cl.deviceId(), new cl_queue_properties(), null);
        this.decompress = CL.clCreateKernel(program, "g2_decompress", null);
        this.reduce = CL.clCreateKernel(program, "g2_reduce", null);
        this.outOfMont = CL.clCreateKernel(program, "g2_out_of_mont", null);
        this.g2Mul = CL.clCreateKernel(program, "g2_mul_u64", null);
        this.g1Decompress = CL.clCreateKernel(program, "g1_decompress", null);
        this.g1Mul = CL.clCreateKernel(program, "g1_mul_u64", null);
        this.g1OutOfMont = CL.clCreateKernel(program, "g1_out_of_mont", null);
    }

    /** On a context someone else owns; the program (G1 source then G2 source) comes from its program cache. */
    public static BlsG2OpenCl on(OpenClContext cl) {
        return new BlsG2OpenCl(cl, cl.program(List.of(BlsG1OpenCl.KERNEL_RESOURCE.substring(1), KERNEL_RESOURCE),
                BlsG1OpenCl.BUILD_OPTIONS));
    }

    /** With a context of its own (released on close) and a program cache in {@code binaryCache}. */
    public static BlsG2OpenCl open(OpenClRuntime.Handle handle, Path binaryCache) {
        OpenClContext cl = null;
        try {
            cl = OpenClContext.open(handle, new ProgramCache(binaryCache));
            BlsG2OpenCl g = on(cl);
            g.owned = cl;
            return g;
        } catch (CLException | IllegalStateException e) {
            if (cl != null) {
                cl.close();
            }
            throw new IllegalStateException("cannot open " + handle.device().describe() + " for BLS G2: " + e.getMessage(), e);
        }
    }

    public OpenClDevice device() {
        return device;
    }

    /**
     * {@code Aggregate}: empty for an empty list or when any signature fails to decode or is outside G2 (the point at
     * infinity is a valid signature point and adds as the identity); otherwise the 96-byte compressed sum.
     */
    public synchronized Optional<byte[]> aggregateSignatures(List<byte[]> signatures) {
        int n = signatures == null ? 0 : signatures.size();
        if (n == 0) {
            return Optional.empty();
        }
        byte[] packed = new byte[96 * n];
        for (int i = 0; i < n; i++) {
            byte[] s = signatures.get(i);
            if (s != null && s.length == 96) {
                System.arraycopy(s, 0, packed, 96 * i, 96);
            } else {
                return Optional.empty(); // wrong length: blst refuses it before any decoding
            }
        }
        int[] status = new int[n];
        cl_mem in = null;
        cl_mem a = null;
        cl_mem b = null;
        cl_mem st = null;
        try {
            long t0 = System.nanoTime();
            in = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, packed.length, Pointer.to(packed), null);
            long bytes = (long) Sizeof.cl_uint * POINT_WORDS * n;
            a = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            b = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            st = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * n, null, null);
            long t1 = System.nanoTime();
            CL.clSetKernelArg(decompress, 0, Sizeof.cl_mem, Pointer.to(in));
            CL.clSetKernelArg(decompress, 1, Sizeof.cl_mem, Pointer.to(a));
            CL.clSetKernelArg(decompress, 2, Sizeof.cl_mem, Pointer.to(st));
            CL.clSetKernelArg(decompress, 3, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            enqueue(decompress, n);
            CL.clFinish(queue);
            long t2 = System.nanoTime();
            CL.clEnqueueReadBuffer(queue, st, CL_TRUE, 0, (long) Sizeof.cl_uint * n, Pointer.to(status), 0, null, null);
            long t3 = System.nanoTime();
            timing.transfer((t1 - t0) + (t3 - t2));
            timing.kernel(t2 - t1);
            for (int s : status) {
                if (s != 0 && s != 1) { // DEC_VALID, DEC_INFINITY
                    return Optional.empty();
                }
            }
            cl_mem total = DeviceTreeSum.sum(this::run, reduce, outOfMont, a, b, n);
            CL.clFinish(queue);
            long t4 = System.nanoTime();
            int[] out = new int[POINT_WORDS];
            CL.clEnqueueReadBuffer(queue, total, CL_TRUE, 0, (long) Sizeof.cl_uint * POINT_WORDS, Pointer.to(out), 0, null, null);
            timing.kernel(t4 - t3);
            timing.transfer(System.nanoTime() - t4);
            return Optional.of(compress(out));
        } catch (CLException e) {
            throw new IllegalStateException("BLS G2 kernel failed on " + device.describe() + ": " + e.getMessage(), e);
        } finally {
            for (cl_mem x : new cl_mem[] {in, a, b, st}) {
                if (x != null) {
                    CL.clReleaseMemObject(x);
                }
            }
        }
    }

    /**
     * Decoding statuses per signature (0 valid, 1 infinity, 2 bad encoding, 3 not on the curve, 4 not in G2), for the
     * equivalence tests against blst.
     */
    public synchronized int[] decodeStatuses(List<byte[]> signatures) {
        int n = signatures.size();
        byte[] packed = new byte[96 * n];
        for (int i = 0; i < n; i++) {
            byte[] s = signatures.get(i);
            if (s != null && s.length == 96) {
                System.arraycopy(s, 0, packed, 96 * i, 96);
            }
        }
        int[] status = new int[n];
        cl_mem in = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, packed.length, Pointer.to(packed), null);
        cl_mem a = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * POINT_WORDS * n, null, null);
        cl_mem st = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * n, null, null);
        try {
            CL.clSetKernelArg(decompress, 0, Sizeof.cl_mem, Pointer.to(in));
            CL.clSetKernelArg(decompress, 1, Sizeof.cl_mem, Pointer.to(a));
            CL.clSetKernelArg(decompress, 2, Sizeof.cl_mem, Pointer.to(st));
            CL.clSetKernelArg(decompress, 3, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            enqueue(decompress, n);
            CL.clEnqueueReadBuffer(queue, st, CL_TRUE, 0, (long) Sizeof.cl_uint * n, Pointer.to(status), 0, null, null);
        } finally {
            CL.clReleaseMemObject(in);
            CL.clReleaseMemObject(a);
            CL.clReleaseMemObject(st);
        }
        for (int i = 0; i < n; i++) {
            byte[] s = signatures.get(i);
            if (s == null || s.length != 96) {
                status[i] = 2;
            }
        }
        return status;
    }

    /**
     * Batch verification with the multi-scalar multiplications on the device: keys and signatures are decoded and
     * subgroup-checked on the device, each key is multiplied by its random 64-bit scalar rᵢ and Σ rᵢ·sigᵢ is summed
     * there; hashing to G2 and the multi-pairing e(G1, Σ rᵢ·sigᵢ) = Π e(rᵢ·pkᵢ, H(mᵢ)) run on the CPU through blst.
     * When the combination holds every decodable triple is valid; when it fails (a forgery is present), the batch is
     * handed to {@code cpu}, whose bisection finds the bad triples. One answer per triple, equal to {@code Verify}'s.
     */
    public boolean[] batchVerify(List<BlsSignatureSet> sets, SecureRandom random, BlsCpu cpu) {
        int n = sets.size();
        boolean[] valid = new boolean[n];
        if (n == 0) {
            return valid;
        }
        long[] r = new long[n];
        Scaled scaled;
        synchronized (this) {
            scaled = scaleOnDevice(sets, i -> {
                long v;
                synchronized (random) {
                    do {
                        v = random.nextLong();
                    } while (v == 0);
                }
                r[i] = v;
                return v;
            });
        }
        if (scaled.live == 0) {
            return valid;
        }
        if (scaled.sigmaInfinity) {
            cpuBisections.incrementAndGet();
            return cpu.batchVerify(sets); // e(G1, O) is degenerate for the miller loop: rare, let the CPU decide
        }
        PT rhs = null;
        for (int i = 0; i < n; i++) {
            if (scaled.keys[i] == null) {
                continue;
            }
            P2_Affine h = new P2().hash_to(sets.get(i).message(), BlsCpu.DST).to_affine();
            PT e = new PT(scaled.keys[i], h);
            rhs = rhs == null ? e : rhs.mul(e);
        }
        PT lhs = new PT(P1.generator().to_affine(), scaled.sigma);
        if (!PT.finalverify(lhs, rhs)) {
            cpuBisections.incrementAndGet();
            return cpu.batchVerify(sets);
        }
        for (int i = 0; i < n; i++) {
            valid[i] = scaled.keys[i] != null;
        }
        return valid;
    }

    /** How many batches the CPU had to settle (a failed combination, or Σ at infinity). */
    public long cpuBisections() {
        return cpuBisections.get();
    }

    /** rᵢ·pkᵢ (null where the triple is dead), Σ rᵢ·sigᵢ, and how many triples are live. */
    private record Scaled(P1_Affine[] keys, P2_Affine sigma, boolean sigmaInfinity, int live, byte[] sigmaCompressed) {
    }

    /** The scalar for triple i (called only for live triples, in index order). */
    private interface ScalarSource {
        long scalar(int i);
    }

    /** Decodes every triple on the device, scales the live ones, sums the scaled signatures. */
    private Scaled scaleOnDevice(List<BlsSignatureSet> sets, ScalarSource scalars) {
        int n = sets.size();
        byte[] pkBytes = new byte[48 * n];
        byte[] sigBytes = new byte[96 * n];
        boolean[] present = new boolean[n];
        for (int i = 0; i < n; i++) {
            BlsSignatureSet s = sets.get(i);
            if (s == null || s.message() == null || s.publicKey() == null || s.publicKey().length != 48
                    || s.signature() == null || s.signature().length != 96) {
                continue; // zero bytes: the c flag is clear, so the device refuses them as bad encodings
            }
            System.arraycopy(s.publicKey(), 0, pkBytes, 48 * i, 48);
            System.arraycopy(s.signature(), 0, sigBytes, 96 * i, 96);
            present[i] = true;
        }
        cl_mem pkIn = null;
        cl_mem pkDec = null;
        cl_mem sigIn = null;
        cl_mem a = null;
        cl_mem b = null;
        cl_mem st = null;
        cl_mem sc = null;
        cl_mem g1Out = null;
        cl_mem g1Plain = null;
        try {
            long t0 = System.nanoTime();
            pkIn = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, pkBytes.length, Pointer.to(pkBytes), null);
            sigIn = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, sigBytes.length, Pointer.to(sigBytes), null);
            pkDec = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * 25 * n, null, null);
            a = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * POINT_WORDS * n, null, null);
            b = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * POINT_WORDS * n, null, null);
            st = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * n, null, null);
            g1Out = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * 36 * n, null, null);
            g1Plain = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * 36 * n, null, null);
            long t1 = System.nanoTime();
            run(g1Decompress, n, pkIn, pkDec, n);
            CL.clSetKernelArg(decompress, 0, Sizeof.cl_mem, Pointer.to(sigIn));
            CL.clSetKernelArg(decompress, 1, Sizeof.cl_mem, Pointer.to(a));
            CL.clSetKernelArg(decompress, 2, Sizeof.cl_mem, Pointer.to(st));
            CL.clSetKernelArg(decompress, 3, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            enqueue(decompress, n);
            CL.clFinish(queue);
            long t2 = System.nanoTime();
            int[] pkStatus = new int[25 * n];
            int[] sigStatus = new int[n];
            CL.clEnqueueReadBuffer(queue, pkDec, CL_TRUE, 0, (long) Sizeof.cl_uint * 25 * n, Pointer.to(pkStatus), 0, null, null);
            CL.clEnqueueReadBuffer(queue, st, CL_TRUE, 0, (long) Sizeof.cl_uint * n, Pointer.to(sigStatus), 0, null, null);
            int[] words = new int[2 * n];
            boolean[] live = new boolean[n];
            int liveCount = 0;
            for (int i = 0; i < n; i++) {
                live[i] = present[i] && pkStatus[25 * i + 24] == 0 && (sigStatus[i] == 0 || sigStatus[i] == 1);
                if (live[i]) {
                    long k = scalars.scalar(i);
                    words[2 * i] = (int) k;
                    words[2 * i + 1] = (int) (k >>> 32);
                    liveCount++;
                } else {
                    pkStatus[25 * i + 24] = 1; // the G1 kernel then yields infinity for this entry
                }
            }
            sc = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_uint * words.length,
                    Pointer.to(words), null);
            CL.clEnqueueWriteBuffer(queue, pkDec, CL_TRUE, 0, (long) Sizeof.cl_uint * 25 * n, Pointer.to(pkStatus), 0, null, null);
            long t3 = System.nanoTime();
            timing.transfer((t1 - t0) + (t3 - t2));
            timing.kernel(t2 - t1);
            if (liveCount == 0) {
                return new Scaled(new P1_Affine[n], null, true, 0, null);
            }
            CL.clSetKernelArg(g2Mul, 0, Sizeof.cl_mem, Pointer.to(a));
            CL.clSetKernelArg(g2Mul, 1, Sizeof.cl_mem, Pointer.to(sc));
            CL.clSetKernelArg(g2Mul, 2, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            enqueue(g2Mul, n); // dead entries have scalar 0: they contribute the identity
            cl_mem total = DeviceTreeSum.sum(this::run, reduce, outOfMont, a, b, n);
            CL.clSetKernelArg(g1Mul, 0, Sizeof.cl_mem, Pointer.to(pkDec));
            CL.clSetKernelArg(g1Mul, 1, Sizeof.cl_mem, Pointer.to(sc));
            CL.clSetKernelArg(g1Mul, 2, Sizeof.cl_mem, Pointer.to(g1Out));
            CL.clSetKernelArg(g1Mul, 3, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            enqueue(g1Mul, n);
            run(g1OutOfMont, n, g1Out, g1Plain, n);
            CL.clFinish(queue);
            long t4 = System.nanoTime();
            int[] sum = new int[POINT_WORDS];
            CL.clEnqueueReadBuffer(queue, total, CL_TRUE, 0, (long) Sizeof.cl_uint * POINT_WORDS, Pointer.to(sum), 0, null, null);
            int[] keys = new int[36 * n];
            CL.clEnqueueReadBuffer(queue, g1Plain, CL_TRUE, 0, (long) Sizeof.cl_uint * 36 * n, Pointer.to(keys), 0, null, null);
            timing.kernel(t4 - t3);
            timing.transfer(System.nanoTime() - t4);
            P1_Affine[] scaledKeys = new P1_Affine[n];
            for (int i = 0; i < n; i++) {
                if (live[i]) {
                    scaledKeys[i] = g1Affine(keys, 36 * i);
                }
            }
            byte[] raw = uncompressed(sum);
            boolean inf = raw[0] == 0x40;
            P2_Affine sigma = new P2_Affine(raw);
            return new Scaled(scaledKeys, sigma, inf, liveCount, sigma.compress());
        } catch (CLException e) {
            throw new IllegalStateException("BLS batch kernels failed on " + device.describe() + ": " + e.getMessage(), e);
        } finally {
            for (cl_mem x : new cl_mem[] {pkIn, pkDec, sigIn, a, b, st, sc, g1Out, g1Plain}) {
                if (x != null) {
                    CL.clReleaseMemObject(x);
                }
            }
        }
    }

    /**
     * For the equivalence tests: the device's rᵢ·pkᵢ (compressed; null for a dead triple) and Σ rᵢ·sigᵢ (compressed,
     * last element) with the given scalars.
     */
    public synchronized byte[][] scaled(List<BlsSignatureSet> sets, long[] r) {
        Scaled s = scaleOnDevice(sets, i -> r[i]);
        byte[][] out = new byte[sets.size() + 1][];
        for (int i = 0; i < sets.size(); i++) {
            out[i] = s.keys[i] == null ? null : s.keys[i].compress();
        }
        out[sets.size()] = s.sigmaCompressed;
        return out;
    }

    /** Jacobian plain G1 limbs to an affine blst point (BigInteger inverse of Z). */
    private static P1_Affine g1Affine(int[] w, int at) {
        BigInteger x = limbs(w, at);
        BigInteger y = limbs(w, at + NL);
        BigInteger z = limbs(w, at + 2 * NL);
        byte[] raw = new byte[96];
        if (z.signum() == 0) {
            raw[0] = 0x40;
        } else {
            BigInteger zi = z.modInverse(P);
            BigInteger zi2 = zi.multiply(zi).mod(P);
            put(x.multiply(zi2).mod(P), raw, 0);
            put(y.multiply(zi2).multiply(zi).mod(P), raw, 48);
        }
        return new P1_Affine(raw);
    }

    private void enqueue(cl_kernel k, int global) {
        long padded = (global + LOCAL - 1) / LOCAL * LOCAL;
        CL.clEnqueueNDRangeKernel(queue, k, 1, null, new long[] {padded}, new long[] {LOCAL}, 0, null, null);
    }

    private void run(cl_kernel k, int global, cl_mem in, cl_mem out, int n) {
        CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(in));
        CL.clSetKernelArg(k, 1, Sizeof.cl_mem, Pointer.to(out));
        CL.clSetKernelArg(k, 2, Sizeof.cl_uint, Pointer.to(new int[] {n}));
        enqueue(k, global);
    }

    /** Jacobian (X, Y, Z) over Fp2, plain limbs, to the compressed encoding through blst (its own flag bits). */
    private static byte[] compress(int[] w) {
        return new P2_Affine(uncompressed(w)).compress();
    }

    /** Jacobian (X, Y, Z) over Fp2, plain limbs, to blst's 192-byte uncompressed encoding (x.c1, x.c0, y.c1, y.c0). */
    private static byte[] uncompressed(int[] w) {
        BigInteger[] x = {limbs(w, 0), limbs(w, NL)};
        BigInteger[] y = {limbs(w, 2 * NL), limbs(w, 3 * NL)};
        BigInteger[] z = {limbs(w, 4 * NL), limbs(w, 5 * NL)};
        byte[] raw = new byte[192];
        if (z[0].signum() == 0 && z[1].signum() == 0) {
            raw[0] = 0x40; // uncompressed infinity
        } else {
            BigInteger[] zi = inv(z);
            BigInteger[] zi2 = mul(zi, zi);
            BigInteger[] ax = mul(x, zi2);
            BigInteger[] ay = mul(y, mul(zi2, zi));
            put(ax[1], raw, 0);
            put(ax[0], raw, 48);
            put(ay[1], raw, 96);
            put(ay[0], raw, 144);
        }
        return raw;
    }

    private static BigInteger[] mul(BigInteger[] a, BigInteger[] b) {
        BigInteger c0 = a[0].multiply(b[0]).subtract(a[1].multiply(b[1])).mod(P);
        BigInteger c1 = a[0].multiply(b[1]).add(a[1].multiply(b[0])).mod(P);
        return new BigInteger[] {c0, c1};
    }

    /** 1 / (a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2). */
    private static BigInteger[] inv(BigInteger[] a) {
        BigInteger norm = a[0].multiply(a[0]).add(a[1].multiply(a[1])).mod(P).modInverse(P);
        return new BigInteger[] {a[0].multiply(norm).mod(P), a[1].negate().multiply(norm).mod(P)};
    }

    private static BigInteger limbs(int[] w, int at) {
        BigInteger v = BigInteger.ZERO;
        for (int i = NL - 1; i >= 0; i--) {
            v = v.shiftLeft(32).or(BigInteger.valueOf(Integer.toUnsignedLong(w[at + i])));
        }
        return v;
    }

    private static void put(BigInteger v, byte[] out, int off) {
        byte[] be = v.toByteArray();
        int len = Math.min(be.length, 48);
        System.arraycopy(be, be.length - len, out, off + 48 - len, len);
    }

    @Override
    public synchronized void close() {
        for (cl_kernel k : new cl_kernel[] {decompress, reduce, outOfMont, g2Mul, g1Decompress, g1Mul, g1OutOfMont}) {
            CL.clReleaseKernel(k);
        }
        CL.clReleaseCommandQueue(queue);
        if (owned != null) {
            owned.close();
        }
    }
}
