package io.backplane.accel.opencl;

import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_VENDOR;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PROGRAM_BINARIES;
import static org.jocl.CL.CL_PROGRAM_BINARY_SIZES;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds OpenCL programs once per device and keeps their binaries on disk, keyed by the SHA-256 of the device
 * identity (name, vendor, device and driver versions), the build options and the source. PoCL compiles through LLVM
 * (seconds per kernel, a cold VDF kernel much more), so a warm start loads the binary instead. A binary the driver
 * refuses (driver upgraded, file damaged) is deleted and rebuilt from source.
 */
public final class ProgramCache {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);

    private final Path dir;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong builds = new AtomicLong();

    /** @param dir where binaries live (created on first store); e.g. {@code <home>/cache/opencl} */
    public ProgramCache(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    /** Programs loaded from a cached binary so far. */
    public long hits() {
        return hits.get();
    }

    /** Programs compiled from source so far. */
    public long builds() {
        return builds.get();
    }

    /** A built program for this device; the caller releases it. Build errors carry the compiler log. */
    public cl_program build(cl_context ctx, cl_device_id device, String source, String options) {
        String key = key(device, source, options);
        Path file = dir.resolve(key + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                byte[] bin = Files.readAllBytes(file);
                int[] status = new int[1];
                cl_program p = CL.clCreateProgramWithBinary(ctx, 1, new cl_device_id[]{device}, new long[]{bin.length},
                        new byte[][]{bin}, status, null);
                CL.clBuildProgram(p, 1, new cl_device_id[]{device}, options, null, null);
                hits.incrementAndGet();
                return p;
            } catch (IOException | CLException e) {
                LOG.warn("OpenCL program cache: binary {} refused ({}); rebuilding from source", file, e.getMessage());
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a stale file is only a slower start next time
                }
            }
        }
        cl_program p = CL.clCreateProgramWithSource(ctx, 1, new String[]{source}, null, null);
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[]{device}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(p, device);
            CL.clReleaseProgram(p);
            throw new IllegalStateException("OpenCL build failed: " + e.getMessage() + "\n" + log, e);
        }
        builds.incrementAndGet();
        store(p, file);
        return p;
    }

    private void store(cl_program p, Path file) {
        try {
            long[] size = new long[1];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0) {
                return; // the driver does not expose binaries: nothing to cache
            }
            byte[] bin = new byte[(int) size[0]];
            CL.clGetProgramInfo(p, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(bin)), null);
            Files.createDirectories(dir);
            // Write then rename, so a concurrent reader never sees half a binary.
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.write(tmp, bin);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | CLException e) {
            LOG.warn("OpenCL program cache: cannot store {} ({}); the next start compiles again", file, e.getMessage());
        }
    }

    static String key(cl_device_id device, String source, String options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int param : new int[]{CL_DEVICE_NAME, CL_DEVICE_VENDOR, CL_DEVICE_VERSION, CL_DRIVER_VERSION}) {
                sha.update(OpenClContext.deviceString(device, param).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            sha.update(options.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
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
}
