package io.backplane.node.consensus.crypto;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.accel.AccelOp;
import io.backplane.accel.Accelerator;
import io.backplane.accel.Backends;
import io.backplane.accel.DeviceFaultHook;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Real accelerators for the adapter's tests: the CPU backend alone, or the CPU plus the first OpenCL device (PoCL on
 * CI) with every threshold at 1, so that each operation with a kernel really runs on the device, and every device
 * answer cross-checked against the CPU. Kernels are cached under this module's {@code target/opencl-cache}.
 */
public final class AccelTestSupport {
    static final Path CACHE = Path.of("target", "opencl-cache");

    private AccelTestSupport() {
    }

    public static Accelerator cpuOnly() {
        return new Accelerator(new CpuBackend(), Optional.empty(),
                Accelerator.Options.defaults().withRegistry(new PrometheusRegistry()));
    }

    /** Skips the calling test, with the cause, when there is no usable OpenCL device. */
    public static void assumeDevice() {
        assumeTrue(OpenClRuntime.isAvailable(), () -> "no OpenCL device: "
                + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("unknown"));
    }

    /** The device with every threshold forced to 1 and a 100% cross-check; {@code hook} injects device faults. */
    public static Accelerator deviceForced(DeviceFaultHook hook) {
        assumeDevice();
        Map<String, Integer> everything = new HashMap<>();
        AccelOp.all().forEach(op -> everything.put(op.name(), 1));
        // A long deadline: on a cold program cache the first call builds the BLS kernels, which is not a device fault.
        Accelerator.Options o = Accelerator.Options.defaults().withThresholds(everything)
                .withDeadline(Duration.ofMinutes(10)).withCrossCheck(1.0, 7L).withFaultHook(hook)
                .withRegistry(new PrometheusRegistry());
        return new Accelerator(new CpuBackend(), Backends.openDevice("opencl", CACHE), o);
    }
}
