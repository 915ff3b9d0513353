package io.backplane.accel.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every OpenCL device present, opened once per test JVM (kernels built through a program cache under this module's
 * {@code target/}, so a warm run loads binaries instead of compiling). No device: tests are skipped with the cause.
 */
public final class TestDevices {
    public static final Path CACHE = Path.of("target", "opencl-cache");
    private static final Map<Integer, OpenClBackend> OPEN = new ConcurrentHashMap<>();

    private TestDevices() {
    }

    public static List<OpenClRuntime.Handle> handles() {
        return OpenClRuntime.handles();
    }

    public static void assumeDevice() {
        assumeTrue(OpenClRuntime.isAvailable(), () -> "no OpenCL device: "
                + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("unknown"));
    }

    /** A shared backend on the device (never closed by tests; released when the JVM exits). */
    public static OpenClBackend shared(OpenClRuntime.Handle h) {
        return OPEN.computeIfAbsent(h.device().index(), i -> OpenClBackend.open(h, new ProgramCache(CACHE)));
    }

    /** A fresh backend on the first device, for tests that hand it to an Accelerator (which closes it). */
    public static OpenClBackend fresh() {
        assumeDevice();
        return OpenClBackend.open(handles().get(0), new ProgramCache(CACHE));
    }
}
