package io.backplane.accel.ed25519;

import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/**
 * Builds an OpenCL program, keeping the compiled binary on disk keyed by device, driver, options and source hash:
 * PoCL spends tens of seconds compiling the Ed25519 kernel, and a cache hit brings that to well under a second.
 *
 * <p>Used by the Ed25519 and BLS G1 host classes; a stand-in for the engine's shared
 * {@code io.backplane.accel.opencl.ProgramCache}, which does the same job (the host classes only call {@link #build}).
 */
public final class ClProgramCache {
    private ClProgramCache() {
    }

    /**
     * A built program for {@code source} on {@code device}; {@code cacheDir} may be null (no disk cache). A corrupt or
     * stale cache file is ignored and overwritten.
     *
     * @throws IllegalStateException with the build log when the source does not compile
     */
    public static cl_program build(cl_context context, cl_device_id device, String name, String source, String options, Path cacheDir) {
        Path file = null;
        if (cacheDir != null) {
            file = cacheDir.resolve(name + "-" + key(device, source, options) + ".bin");
            if (Files.isRegularFile(file)) {
                try {
                    byte[] bin = Files.readAllBytes(file);
                    cl_program p = CL.clCreateProgramWithBinary(context, 1, new cl_device_id[] {device},
                            new long[] {bin.length}, new byte[][] {bin}, null, null);
                    CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
                    return p;
                } catch (IOException | CLException e) {
                    // fall through to a source build, which rewrites the file
                }
            }
        }
        cl_program p = CL.clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p, device);
            CL.clReleaseProgram(p);
            throw new IllegalStateException("OpenCL program " + name + " failed to build on " + deviceString(device, CL_DEVICE_NAME)
                    + ": " + e.getMessage() + "\n" + log, e);
        }
        if (file != null) {
            store(p, file);
        }
        return p;
    }

    private static void store(cl_program p, Path file) {
        try {
            long[] size = new long[1];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            byte[] bin = new byte[(int) size[0]];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(new Pointer[] {Pointer.to(bin)}), null);
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(tmp, bin);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | CLException e) {
            // A cache we cannot write only costs the next start a compile.
        }
    }

    static String key(cl_device_id device, String source, String options) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {deviceString(device, CL_DEVICE_NAME), deviceString(device, CL_DEVICE_VENDOR),
                    deviceString(device, CL_DEVICE_VERSION), deviceString(device, CL_DRIVER_VERSION), options, source}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String buildLog(cl_program p, cl_device_id device) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
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
}
