package io.backplane.accel.opencl;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.jocl.cl_queue_properties;

/**
 * One OpenCL device opened for work: its context and in-order queue, the programs built for it (through the
 * on-disk {@link ProgramCache}, each resource built once), kernels, and named device buffers that are reused and
 * only grow. Any kernel family (SHA-256, VDF, Ed25519, ...) uses this rather than its own context.
 *
 * <p>Not thread-safe: the owner serialises calls (an OpenCL kernel object holds its arguments).
 */
public final class OpenClContext implements AutoCloseable {
    private final OpenClRuntime.Handle handle;
    private final ProgramCache cache;
    private final cl_context context;
    private final cl_command_queue queue;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final List<cl_kernel> kernels = new ArrayList<>();
    private final Map<String, Slot> buffers = new HashMap<>();
    private final DeviceTiming timing = new DeviceTiming();

    private record Slot(cl_mem mem, long capacity) {
    }

    private OpenClContext(OpenClRuntime.Handle handle, ProgramCache cache) {
        this.handle = handle;
        this.cache = cache;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, handle.platform());
        this.context = CL.clCreateContext(props, 1, new cl_device_id[]{handle.id()}, null, null, null);
        this.queue = CL.clCreateCommandQueueWithProperties(context, handle.id(), new cl_queue_properties(), null);
    }

    /** Opens a context and queue on the device; throws {@link org.jocl.CLException} if the driver refuses. */
    public static OpenClContext open(OpenClRuntime.Handle handle, ProgramCache cache) {
        return new OpenClContext(handle, cache);
    }

    public OpenClDevice device() {
        return handle.device();
    }

    public cl_device_id deviceId() {
        return handle.id();
    }

    /** Transfer and kernel time of every call made through this context (and the kernel families on it). */
    public DeviceTiming timing() {
        return timing;
    }

    public ProgramCache cache() {
        return cache;
    }

    public cl_context context() {
        return context;
    }

    public cl_command_queue queue() {
        return queue;
    }

    /** The program built from a class-path resource (e.g. {@code kernels/sha256.cl}); built at most once here. */
    public cl_program program(String resource, String options) {
        return programs.computeIfAbsent(resource + "\0" + options,
                k -> cache.build(context, handle.id(), readResource(resource), options));
    }

    /**
     * The program built from several class-path resources concatenated in order (a kernel family that reuses another
     * file's field arithmetic: one compile, one cached binary); built at most once here.
     */
    public cl_program program(List<String> resources, String options) {
        return programs.computeIfAbsent(String.join("\0", resources) + "\0" + options, k -> {
            StringBuilder src = new StringBuilder();
            for (String r : resources) {
                src.append(readResource(r)).append('\n');
            }
            return cache.build(context, handle.id(), src.toString(), options);
        });
    }

    /** A kernel of a program; released with this context. */
    public cl_kernel kernel(cl_program program, String name) {
        cl_kernel k = CL.clCreateKernel(program, name, null);
        kernels.add(k);
        return k;
    }

    /**
     * A device buffer of at least {@code bytes} under a name, reused from call to call and reallocated only to grow
     * (never zero-sized: OpenCL refuses that).
     */
    public cl_mem buffer(String name, long bytes) {
        long need = Math.max(bytes, 16);
        Slot s = buffers.get(name);
        if (s != null && s.capacity >= need) {
            return s.mem;
        }
        if (s != null) {
            CL.clReleaseMemObject(s.mem);
            buffers.remove(name);
        }
        long capacity = Math.max(need, s == null ? 0 : Math.min(s.capacity * 2, device().maxAllocBytes()));
        if (capacity > device().maxAllocBytes()) {
            throw new IllegalArgumentException("buffer " + name + " of " + capacity + " bytes exceeds the device's "
                    + device().maxAllocBytes() + "-byte allocation limit");
        }
        cl_mem mem = CL.clCreateBuffer(context, CL_MEM_READ_WRITE, capacity, null, null);
        buffers.put(name, new Slot(mem, capacity));
        return mem;
    }

    public void write(cl_mem mem, byte[] data) {
        if (data.length > 0) {
            long t0 = System.nanoTime();
            CL.clEnqueueWriteBuffer(queue, mem, CL_TRUE, 0, data.length, Pointer.to(data), 0, null, null);
            timing.transfer(System.nanoTime() - t0);
        }
    }

    public void write(cl_mem mem, int[] data) {
        if (data.length > 0) {
            long t0 = System.nanoTime();
            CL.clEnqueueWriteBuffer(queue, mem, CL_TRUE, 0, (long) data.length * Sizeof.cl_int, Pointer.to(data), 0, null, null);
            timing.transfer(System.nanoTime() - t0);
        }
    }

    public void write(cl_mem mem, long[] data) {
        if (data.length > 0) {
            long t0 = System.nanoTime();
            CL.clEnqueueWriteBuffer(queue, mem, CL_TRUE, 0, (long) data.length * Sizeof.cl_long, Pointer.to(data), 0, null, null);
            timing.transfer(System.nanoTime() - t0);
        }
    }

    public void read(cl_mem mem, byte[] into) {
        if (into.length > 0) {
            long t0 = System.nanoTime();
            CL.clEnqueueReadBuffer(queue, mem, CL_TRUE, 0, into.length, Pointer.to(into), 0, null, null);
            timing.transfer(System.nanoTime() - t0);
        }
    }

    public void read(cl_mem mem, int[] into) {
        if (into.length > 0) {
            long t0 = System.nanoTime();
            CL.clEnqueueReadBuffer(queue, mem, CL_TRUE, 0, (long) into.length * Sizeof.cl_int, Pointer.to(into), 0, null, null);
            timing.transfer(System.nanoTime() - t0);
        }
    }

    /** Sets the kernel's arguments in order: {@link cl_mem}, Integer (uint/int) or Long (ulong). */
    public static void args(cl_kernel k, Object... args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof cl_mem m) {
                CL.clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
            } else if (a instanceof Integer v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[]{v}));
            } else if (a instanceof Long v) {
                CL.clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[]{v}));
            } else {
                throw new IllegalArgumentException("kernel argument " + i + ": unsupported type " + a);
            }
        }
    }

    /** Runs a 1-D kernel over {@code global} work-items and waits for it. */
    public void run(cl_kernel k, long global) {
        if (global <= 0) {
            return;
        }
        long t0 = System.nanoTime();
        CL.clEnqueueNDRangeKernel(queue, k, 1, null, new long[]{global}, null, 0, null, null);
        CL.clFinish(queue);
        timing.kernel(System.nanoTime() - t0);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private static String readResource(String resource) {
        try (InputStream in = OpenClContext.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing kernel resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        buffers.values().forEach(s -> CL.clReleaseMemObject(s.mem));
        buffers.clear();
        kernels.forEach(CL::clReleaseKernel);
        kernels.clear();
        programs.values().forEach(CL::clReleaseProgram);
        programs.clear();
        CL.clReleaseCommandQueue(queue);
        CL.clReleaseContext(context);
    }
}
