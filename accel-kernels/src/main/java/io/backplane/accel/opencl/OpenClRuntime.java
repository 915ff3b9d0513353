package io.backplane.accel.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_PLATFORM_NAME;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Probes the OpenCL runtime once per JVM (as Netty's {@code Epoll.isAvailable()} does for its native transport):
 * either the list of devices, or the precise reason there are none. Never throws from class loading.
 */
public final class OpenClRuntime {
    /** A device with its platform and device handles, for backends that open contexts on it. */
    public record Handle(OpenClDevice device, cl_platform_id platform, cl_device_id id) {
    }

    private static final Probe PROBE = probe();

    private record Probe(List<Handle> handles, Throwable cause) {
    }

    private OpenClRuntime() {
    }

    public static boolean isAvailable() {
        return PROBE.cause == null && !PROBE.handles.isEmpty();
    }

    /** Why no device can be used; empty when at least one device is available. */
    public static Optional<Throwable> unavailabilityCause() {
        if (isAvailable()) {
            return Optional.empty();
        }
        return Optional.of(PROBE.cause != null ? PROBE.cause : new IllegalStateException("OpenCL runtime loaded, but it reports no device"));
    }

    public static List<OpenClDevice> devices() {
        return PROBE.handles.stream().map(Handle::device).toList();
    }

    public static List<Handle> handles() {
        return PROBE.handles;
    }

    private static Probe probe() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            try {
                CL.clGetPlatformIDs(0, null, count);
            } catch (CLException e) {
                // -1001 (CL_PLATFORM_NOT_FOUND_KHR) from the ICD loader means: loader present, no driver installed.
                return new Probe(List.of(), new IllegalStateException(
                        "no OpenCL platform (ICD loader present, no driver registered in /etc/OpenCL/vendors): " + e.getMessage(), e));
            }
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            CL.clGetPlatformIDs(platforms.length, platforms, null);
            List<Handle> handles = new ArrayList<>();
            for (cl_platform_id platform : platforms) {
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                int[] n = new int[1];
                try {
                    CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, n);
                } catch (CLException e) {
                    if (e.getStatus() == CL_DEVICE_NOT_FOUND) {
                        continue;
                    }
                    throw e;
                }
                cl_device_id[] ids = new cl_device_id[n[0]];
                CL.clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
                for (cl_device_id id : ids) {
                    OpenClDevice d = new OpenClDevice(handles.size(), platformName,
                            deviceString(id, CL_DEVICE_NAME).trim(), deviceString(id, CL_DEVICE_VENDOR).trim(),
                            typeName(deviceLong(id, CL_DEVICE_TYPE)), (int) deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                            deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            deviceString(id, CL_DEVICE_VERSION).trim(), deviceString(id, CL_DRIVER_VERSION).trim());
                    handles.add(new Handle(d, platform, id));
                }
            }
            return new Probe(List.copyOf(handles), null);
        } catch (Throwable t) { // UnsatisfiedLinkError when libOpenCL.so.1 or JOCL's native library cannot load
            return new Probe(List.of(), t);
        }
    }

    private static String typeName(long type) {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) {
            return "GPU";
        }
        if ((type & CL_DEVICE_TYPE_CPU) != 0) {
            return "CPU";
        }
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return "ACCELERATOR";
        }
        return "OTHER";
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static long deviceLong(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 8, Pointer.to(b), null);
        return b.getLong(0);
    }

    private static long deviceInt(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
        CL.clGetDeviceInfo(d, param, 4, Pointer.to(b), null);
        return Integer.toUnsignedLong(b.getInt(0));
    }

    private static String cString(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
