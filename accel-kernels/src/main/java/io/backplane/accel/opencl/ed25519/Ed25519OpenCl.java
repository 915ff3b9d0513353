package io.backplane.accel.opencl.ed25519;

import io.backplane.accel.ed25519.*;
import static org.jocl.CL.CL_MEM_COPY_HOST_PTR;
import static org.jocl.CL.CL_MEM_READ_ONLY;
import static org.jocl.CL.CL_MEM_WRITE_ONLY;
import static org.jocl.CL.CL_TRUE;

import io.backplane.accel.opencl.DeviceTiming;
import io.backplane.accel.opencl.OpenClContext;
import io.backplane.accel.opencl.OpenClDevice;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.ProgramCache;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
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

/**
 * Ed25519 batch verification on one OpenCL device: the {@code kernels/ed25519.cl} kernel, one signature per work-item
 * (SHA-512 of R‖A‖M, reduction mod L, decompression, double-scalar multiplication, cofactored comparison), with
 * Bouncy Castle's acceptance rule. Items with wrong lengths never reach the device; they are simply {@code false}.
 *
 * <p>The engine runs it on its shared {@link OpenClContext} ({@link #on}); {@link #open(OpenClRuntime.Handle, Path)}
 * opens a context of its own for standalone use. Calls are serialised on the instance (its own queue).
 */
public final class Ed25519OpenCl implements AutoCloseable {
    /** Class-path location of the kernel source. */
    public static final String KERNEL_RESOURCE = "/kernels/ed25519.cl";
    /** The kernel function. */
    public static final String KERNEL_NAME = "ed25519_verify";
    /** Options the program must be built with (a shared program cache needs them). */
    public static final String BUILD_OPTIONS = "-cl-std=CL1.2";
    private static final int ITEM_BYTES = 96;
    /**
     * Work-group size, fixed (global padded up; the kernel ignores ids past n): PoCL compiles the kernel again for
     * every new launch geometry, so a driver-chosen size would recompile for most batch sizes.
     */
    private static final long LOCAL = 16;

    private final OpenClDevice device;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_kernel kernel;
    /** The context this instance opened itself (standalone use), released on close; null on a shared context. */
    private OpenClContext owned;

    private final DeviceTiming timing;

    private Ed25519OpenCl(OpenClDevice device, cl_context context, cl_device_id id, cl_program program, DeviceTiming timing) {
        this.timing = timing;
        this.device = device;
        this.context = context;
        this.queue = CL.clCreateCommandQueueWithProperties(context, id, new cl_queue_properties(), null);
        this.kernel = CL.clCreateKernel(program, KERNEL_NAME, null);
    }

    /** The kernel source as shipped in the jar. */
    public static String kernelSource() {
        try (InputStream in = Ed25519OpenCl.class.getResourceAsStream(KERNEL_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("kernel resource " + KERNEL_RESOURCE + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens the device with its own {@link OpenClContext}, building the program through a {@link ProgramCache} in
     * {@code binaryCache}; {@link #close()} releases the context.
     *
     * @throws IllegalStateException naming the device when OpenCL refuses (build log included for compile errors)
     */
    public static Ed25519OpenCl open(OpenClRuntime.Handle handle, Path binaryCache) {
        Objects.requireNonNull(handle, "handle");
        OpenClContext cl = null;
        try {
            cl = OpenClContext.open(handle, new ProgramCache(binaryCache));
            Ed25519OpenCl e = on(cl);
            e.owned = cl;
            return e;
        } catch (CLException | IllegalStateException e) {
            if (cl != null) {
                cl.close();
            }
            throw new IllegalStateException("cannot open " + handle.device().describe() + " for Ed25519: " + e.getMessage(), e);
        }
    }

    /**
     * Runs on a context someone else owns (the engine's {@link io.backplane.accel.opencl.OpenClBackend}), with the
     * program from that context's program cache; {@link #close()} then releases only the kernel and queue.
     */
    public static Ed25519OpenCl on(OpenClContext cl) {
        cl_program p = cl.program(KERNEL_RESOURCE.substring(1), BUILD_OPTIONS);
        return new Ed25519OpenCl(cl.device(), cl.context(), cl.deviceId(), p, cl.timing());
    }

    /** Uses a context and a program built from {@link #kernelSource()} that someone else owns. */
    public static Ed25519OpenCl open(cl_context context, cl_device_id id, OpenClDevice device, cl_program program) {
        return new Ed25519OpenCl(device, context, id, program, new DeviceTiming());
    }

    public OpenClDevice device() {
        return device;
    }

    /** One answer per item, in order; equal to {@link Ed25519Cpu#verifyBatch} on every input. */
    public synchronized boolean[] verifyBatch(List<Ed25519Item> items) {
        int n = items.size();
        boolean[] out = new boolean[n];
        int[] index = new int[n];
        int m = 0;
        long msgBytes = 0;
        for (int i = 0; i < n; i++) {
            Ed25519Item it = items.get(i);
            if (it != null && it.wellFormed()) {
                index[m++] = i;
                msgBytes += it.message().length;
            }
        }
        if (m == 0) {
            return out;
        }
        if (msgBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch messages total " + msgBytes + " bytes; split the batch below 2 GiB");
        }
        byte[] packed = new byte[m * ITEM_BYTES];
        int[] offsets = new int[m + 1];
        byte[] msgs = new byte[(int) Math.max(1, msgBytes)];
        int pos = 0;
        for (int j = 0; j < m; j++) {
            Ed25519Item it = items.get(index[j]);
            System.arraycopy(it.publicKey(), 0, packed, j * ITEM_BYTES, 32);
            System.arraycopy(it.signature(), 0, packed, j * ITEM_BYTES + 32, 64);
            offsets[j] = pos;
            System.arraycopy(it.message(), 0, msgs, pos, it.message().length);
            pos += it.message().length;
        }
        offsets[m] = pos;
        byte[] result = new byte[m];
        cl_mem bItems = null;
        cl_mem bOff = null;
        cl_mem bMsg = null;
        cl_mem bRes = null;
        try {
            long t0 = System.nanoTime();
            bItems = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, packed.length, Pointer.to(packed), null);
            bOff = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, (long) Sizeof.cl_uint * offsets.length,
                    Pointer.to(offsets), null);
            bMsg = CL.clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, msgs.length, Pointer.to(msgs), null);
            bRes = CL.clCreateBuffer(context, CL_MEM_WRITE_ONLY, m, null, null);
            long t1 = System.nanoTime();
            CL.clSetKernelArg(kernel, 0, Sizeof.cl_mem, Pointer.to(bItems));
            CL.clSetKernelArg(kernel, 1, Sizeof.cl_mem, Pointer.to(bOff));
            CL.clSetKernelArg(kernel, 2, Sizeof.cl_mem, Pointer.to(bMsg));
            CL.clSetKernelArg(kernel, 3, Sizeof.cl_mem, Pointer.to(bRes));
            CL.clSetKernelArg(kernel, 4, Sizeof.cl_uint, Pointer.to(new int[] {m}));
            long global = (m + LOCAL - 1) / LOCAL * LOCAL;
            CL.clEnqueueNDRangeKernel(queue, kernel, 1, null, new long[] {global}, new long[] {LOCAL}, 0, null, null);
            CL.clFinish(queue);
            long t2 = System.nanoTime();
            CL.clEnqueueReadBuffer(queue, bRes, CL_TRUE, 0, m, Pointer.to(result), 0, null, null);
            timing.transfer((t1 - t0) + (System.nanoTime() - t2));
            timing.kernel(t2 - t1);
        } catch (CLException e) {
            throw new IllegalStateException("Ed25519 kernel failed on " + device.describe() + ": " + e.getMessage(), e);
        } finally {
            for (cl_mem b : new cl_mem[] {bItems, bOff, bMsg, bRes}) {
                if (b != null) {
                    CL.clReleaseMemObject(b);
                }
            }
        }
        for (int j = 0; j < m; j++) {
            out[index[j]] = result[j] == 1;
        }
        return out;
    }

    @Override
    public synchronized void close() {
        CL.clReleaseKernel(kernel);
        CL.clReleaseCommandQueue(queue);
        if (owned != null) {
            owned.close(); // releases the program too
        }
    }
}
