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
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;
import supranational.blst.P1_Affine;

/**
 * First device-side BLS pieces, on an OpenCL device ({@code kernels/bls12_381_g1.cl}: Montgomery arithmetic over the
 * 381-bit prime): decoding compressed G1 public keys with the subgroup check ({@link #decodePublicKeys}), and summing
 * keys by a tree of Jacobian additions ({@link #aggregatePublicKeys}, {@link #aggregatePublicKeysFromBytes}). Answers
 * equal blst's byte for byte; the final normalisation of the one sum to affine coordinates runs on the host.
 *
 * <p>The engine's {@link io.backplane.accel.opencl.OpenClBackend} answers {@code bls-aggregate-pubkeys} with
 * {@link #aggregatePublicKeysFromBytes} on its shared context; on PoCL blst on the CPU wins at every size (see the
 * module README), so the {@link io.backplane.accel.Accelerator} routes there only with an explicit threshold.
 */
public final class BlsG1OpenCl implements AutoCloseable {
    public static final String KERNEL_RESOURCE = "/kernels/bls12_381_g1.cl";
    public static final BigInteger P = new BigInteger("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16);
    private static final int NL = 12;
    private static final int POINT_WORDS = 3 * NL;

    private final OpenClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_kernel fromAffine;
    private final cl_kernel reduce;
    private final cl_kernel outOfMont;
    private final cl_kernel decompress;
    private final cl_kernel mulPlain;
    private final cl_kernel addSubPlain;

    /** Options the program must be built with (a shared program cache needs them). */
    public static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    /** The context this instance opened itself (standalone use), released on close; null on a shared context. */
    private OpenClContext owned;

    private final DeviceTiming timing;

    private BlsG1OpenCl(OpenClDevice device, cl_context context, cl_device_id id, cl_program program, DeviceTiming timing) {
        this.timing = timing;
        this.device = device;
        this.context = context;
        this.queue = CL.clCreateCommandQueueWithProperties(context, id, new cl_queue_properties(), null);
        this.fromAffine = CL.clCreateKernel(program, "g1_from_affine", null);
        this.reduce = CL.clCreateKernel(program, "g1_reduce", null);
        this.outOfMont = CL.clCreateKernel(program, "g1_out_of_mont", null);
        this.decompress = CL.clCreateKernel(program, "g1_decompress", null);
        this.mulPlain = CL.clCreateKernel(program, "fp_mul_plain", null);
        this.addSubPlain = CL.clCreateKernel(program, "fp_addsub_plain", null);
    }

    /**
     * Opens the device with its own {@link OpenClContext} (program through a {@link ProgramCache} in
     * {@code binaryCache}); {@link #close()} releases it.
     *
     * @throws IllegalStateException naming the device when OpenCL refuses
     */
    public static BlsG1OpenCl open(OpenClRuntime.Handle handle, Path binaryCache) {
        OpenClContext cl = null;
        try {
            cl = OpenClContext.open(handle, new ProgramCache(binaryCache));
            BlsG1OpenCl g = on(cl);
            g.owned = cl;
            return g;
        } catch (CLException | IllegalStateException e) {
            if (cl != null) {
                cl.close();
            }
            throw new IllegalStateException("cannot open " + handle.device().describe() + " for BLS G1: " + e.getMessage(), e);
        }
    }

    /**
     * Runs on a context someone else owns (the engine's {@link io.backplane.accel.opencl.OpenClBackend}), with the
     * program from that context's program cache; {@link #close()} then releases only kernels and queue.
     */
    public static BlsG1OpenCl on(OpenClContext cl) {
        return new BlsG1OpenCl(cl.device(), cl.context(), cl.deviceId(), cl.program(KERNEL_RESOURCE.substring(1), BUILD_OPTIONS),
                cl.timing());
    }

    public OpenClDevice device() {
        return device;
    }

    /**
     * The compressed sum of validated public keys (48 bytes; the infinity encoding when they cancel), equal to
     * {@link BlsCpu#aggregatePublicKeys} on the same keys.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public synchronized byte[] aggregatePublicKeys(List<BlsPublicKey> keys) {
        int n = keys.size();
        if (n == 0) {
            throw new IllegalArgumentException("cannot aggregate zero public keys");
        }
        int[] affine = new int[25 * n];
        for (int i = 0; i < n; i++) {
            byte[] xy = keys.get(i).affine().serialize(); // 96 bytes, big-endian x then y
            toLimbs(xy, 0, affine, 25 * i);
            toLimbs(xy, 48, affine, 25 * i + NL);
        }
        return sumAffine(affine, n);
    }

    /** Tree sum of n affine points given as (x[12], y[12], infinity flag) plain limbs; the compressed result. */
    private byte[] sumAffine(int[] affine, int n) {
        cl_mem in = null;
        cl_mem a = null;
        cl_mem b = null;
        try {
            long t0 = System.nanoTime();
            in = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_uint * affine.length,
                    Pointer.to(affine), null);
            long t1 = System.nanoTime();
            long bytes = (long) Sizeof.cl_uint * POINT_WORDS * n;
            a = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            b = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            run(fromAffine, n, in, a, n);
            cl_mem total = DeviceTreeSum.sum(this::run, reduce, outOfMont, a, b, n);
            CL.clFinish(queue);
            long t2 = System.nanoTime();
            int[] out = new int[POINT_WORDS];
            CL.clEnqueueReadBuffer(queue, total, CL_TRUE, 0, (long) Sizeof.cl_uint * POINT_WORDS, Pointer.to(out), 0, null, null);
            timing.transfer((t1 - t0) + (System.nanoTime() - t2));
            timing.kernel(t2 - t1);
            return compress(fromLimbs(out, 0), fromLimbs(out, NL), fromLimbs(out, 2 * NL));
        } catch (CLException e) {
            throw new IllegalStateException("BLS G1 kernel failed on " + device.describe() + ": " + e.getMessage(), e);
        } finally {
            for (cl_mem x : new cl_mem[] {in, a, b}) {
                if (x != null) {
                    CL.clReleaseMemObject(x);
                }
            }
        }
    }

    /**
     * Decodes compressed public keys on the device with {@code KeyValidate}'s rules (encoding flags, x below p, on
     * the curve, in G1, not infinity): one entry per input, null where the key is invalid. Equal, key by key, to
     * {@link BlsPublicKey#decode} succeeding or throwing.
     */
    public synchronized BlsPublicKey[] decodePublicKeys(List<byte[]> compressed) {
        int n = compressed.size();
        BlsPublicKey[] out = new BlsPublicKey[n];
        if (n == 0) {
            return out;
        }
        int[] decoded = decodeOnDevice(compressed);
        for (int i = 0; i < n; i++) {
            if (decoded[25 * i + 24] != 0) {
                continue;
            }
            byte[] raw = new byte[96];
            putLimbs(decoded, 25 * i, raw, 0);
            putLimbs(decoded, 25 * i + NL, raw, 48);
            out[i] = BlsPublicKey.ofValidated(compressed.get(i), new P1_Affine(raw));
        }
        return out;
    }

    /**
     * {@code eth_aggregate_pubkeys} entirely on the device: decode and validate every key, then the tree of additions.
     * Empty when the list is empty or any key is invalid, exactly as {@link BlsCpu#aggregatePublicKeys}.
     */
    public synchronized java.util.Optional<byte[]> aggregatePublicKeysFromBytes(List<byte[]> compressed) {
        int n = compressed.size();
        if (n == 0) {
            return java.util.Optional.empty();
        }
        int[] decoded = decodeOnDevice(compressed);
        for (int i = 0; i < n; i++) {
            if (decoded[25 * i + 24] != 0) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(sumAffine(decoded, n));
    }

    /** Statuses: 0 valid, 1 infinity, 2 bad encoding, 3 not on the curve, 4 not in G1 (the kernel's DEC_* codes). */
    private int[] decodeOnDevice(List<byte[]> compressed) {
        int n = compressed.size();
        byte[] packed = new byte[48 * n];
        boolean[] wrongLength = new boolean[n];
        for (int i = 0; i < n; i++) {
            byte[] b = compressed.get(i);
            if (b == null || b.length != 48) {
                wrongLength[i] = true; // leaves 48 zero bytes: the c flag is clear, so the device says bad encoding
            } else {
                System.arraycopy(b, 0, packed, 48 * i, 48);
            }
        }
        int[] out = new int[25 * n];
        cl_mem in = null;
        cl_mem res = null;
        try {
            long t0 = System.nanoTime();
            in = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, packed.length, Pointer.to(packed), null);
            res = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * out.length, null, null);
            long t1 = System.nanoTime();
            run(decompress, n, in, res, n);
            CL.clFinish(queue);
            long t2 = System.nanoTime();
            CL.clEnqueueReadBuffer(queue, res, CL_TRUE, 0, (long) Sizeof.cl_uint * out.length, Pointer.to(out), 0, null, null);
            timing.transfer((t1 - t0) + (System.nanoTime() - t2));
            timing.kernel(t2 - t1);
        } catch (CLException e) {
            throw new IllegalStateException("BLS G1 decode kernel failed on " + device.describe() + ": " + e.getMessage(), e);
        } finally {
            for (cl_mem x : new cl_mem[] {in, res}) {
                if (x != null) {
                    CL.clReleaseMemObject(x);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (wrongLength[i]) {
                out[25 * i + 24] = 2;
            }
        }
        return out;
    }

    private static void putLimbs(int[] w, int at, byte[] out, int off) {
        for (int i = 0; i < NL; i++) {
            int v = w[at + i];
            int p = off + 48 - 4 * (i + 1);
            out[p] = (byte) (v >>> 24);
            out[p + 1] = (byte) (v >>> 16);
            out[p + 2] = (byte) (v >>> 8);
            out[p + 3] = (byte) v;
        }
    }

    /** Jacobian (X, Y, Z) to the compressed encoding, through blst so the flag bits are blst's own. */
    private static byte[] compress(BigInteger x, BigInteger y, BigInteger z) {
        byte[] raw = new byte[96];
        if (z.signum() == 0) {
            raw[0] = 0x40; // uncompressed infinity
        } else {
            BigInteger zi = z.modInverse(P);
            BigInteger zi2 = zi.multiply(zi).mod(P);
            put(x.multiply(zi2).mod(P), raw, 0);
            put(y.multiply(zi2).multiply(zi).mod(P), raw, 48);
        }
        return new P1_Affine(raw).compress();
    }

    private static void put(BigInteger v, byte[] out, int off) {
        byte[] be = v.toByteArray();
        int len = Math.min(be.length, 48);
        System.arraycopy(be, be.length - len, out, off + 48 - len, len);
    }

    private static void toLimbs(byte[] be, int off, int[] out, int at) {
        for (int i = 0; i < NL; i++) {
            int p = off + 48 - 4 * (i + 1);
            out[at + i] = ((be[p] & 0xff) << 24) | ((be[p + 1] & 0xff) << 16) | ((be[p + 2] & 0xff) << 8) | (be[p + 3] & 0xff);
        }
    }

    private static BigInteger fromLimbs(int[] w, int at) {
        BigInteger v = BigInteger.ZERO;
        for (int i = NL - 1; i >= 0; i--) {
            v = v.shiftLeft(32).or(BigInteger.valueOf(Integer.toUnsignedLong(w[at + i])));
        }
        return v;
    }

    private static int[] limbs(List<BigInteger> values) {
        int[] out = new int[NL * values.size()];
        for (int i = 0; i < values.size(); i++) {
            BigInteger v = values.get(i);
            for (int j = 0; j < NL; j++) {
                out[NL * i + j] = v.shiftRight(32 * j).intValue();
            }
        }
        return out;
    }

    /** Field products on the device (through Montgomery form), for equivalence tests against {@link BigInteger}. */
    public synchronized BigInteger[] multiply(List<BigInteger> a, List<BigInteger> b) {
        return binary(mulPlain, a, b, 1);
    }

    /** Sums then differences mod p on the device, for equivalence tests. */
    public synchronized BigInteger[] addSub(List<BigInteger> a, List<BigInteger> b) {
        return binary(addSubPlain, a, b, 2);
    }

    private BigInteger[] binary(cl_kernel k, List<BigInteger> a, List<BigInteger> b, int outsPerItem) {
        int n = a.size();
        int[] x = limbs(a);
        int[] y = limbs(b);
        int[] r = new int[NL * n * outsPerItem];
        cl_mem bx = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_uint * x.length, Pointer.to(x), null);
        cl_mem by = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_uint * y.length, Pointer.to(y), null);
        cl_mem br = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, (long) Sizeof.cl_uint * r.length, null, null);
        try {
            CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(bx));
            CL.clSetKernelArg(k, 1, Sizeof.cl_mem, Pointer.to(by));
            CL.clSetKernelArg(k, 2, Sizeof.cl_mem, Pointer.to(br));
            CL.clSetKernelArg(k, 3, Sizeof.cl_uint, Pointer.to(new int[] {n}));
            long padded = (n + LOCAL - 1) / LOCAL * LOCAL;
            CL.clEnqueueNDRangeKernel(queue, k, 1, null, new long[] {padded}, new long[] {LOCAL}, 0, null, null);
            CL.clEnqueueReadBuffer(queue, br, CL_TRUE, 0, (long) Sizeof.cl_uint * r.length, Pointer.to(r), 0, null, null);
        } finally {
            CL.clReleaseMemObject(bx);
            CL.clReleaseMemObject(by);
            CL.clReleaseMemObject(br);
        }
        BigInteger[] out = new BigInteger[n * outsPerItem];
        for (int i = 0; i < out.length; i++) {
            out[i] = fromLimbs(r, NL * i);
        }
        return out;
    }

    /**
     * Work-group size fixed (global padded up; the kernels ignore ids past n): PoCL compiles a kernel again for every
     * new launch geometry, and the tree's levels would otherwise each have their own.
     */
    private static final long LOCAL = 16;

    private void run(cl_kernel k, int global, cl_mem in, cl_mem out, int n) {
        CL.clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(in));
        CL.clSetKernelArg(k, 1, Sizeof.cl_mem, Pointer.to(out));
        CL.clSetKernelArg(k, 2, Sizeof.cl_uint, Pointer.to(new int[] {n}));
        long padded = (global + LOCAL - 1) / LOCAL * LOCAL;
        CL.clEnqueueNDRangeKernel(queue, k, 1, null, new long[] {padded}, new long[] {LOCAL}, 0, null, null);
    }

    @Override
    public synchronized void close() {
        for (cl_kernel k : new cl_kernel[] {fromAffine, reduce, outOfMont, decompress, mulPlain, addSubPlain}) {
            CL.clReleaseKernel(k);
        }
        CL.clReleaseCommandQueue(queue);
        if (owned != null) {
            owned.close(); // releases the program too
        }
    }
}
