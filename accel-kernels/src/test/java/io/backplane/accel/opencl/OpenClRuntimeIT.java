package io.backplane.accel.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class OpenClRuntimeIT {

    private static boolean icdRegistered() throws IOException {
        Path vendors = Path.of("/etc/OpenCL/vendors");
        if (!Files.isDirectory(vendors)) {
            return false;
        }
        try (Stream<Path> s = Files.list(vendors)) {
            return s.anyMatch(p -> p.toString().endsWith(".icd"));
        }
    }

    @Test
    void findsADeviceWheneverADriverIsRegistered() throws IOException {
        // install-deps registers PoCL, so on CI this must find the CPU device; a machine without any driver must
        // instead report why, never throw.
        if (icdRegistered()) {
            assertThat(OpenClRuntime.isAvailable())
                    .as("cause: %s", OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("none"))
                    .isTrue();
            assertThat(OpenClRuntime.devices()).allSatisfy(d -> {
                assertThat(d.name()).isNotBlank();
                assertThat(d.computeUnits()).isPositive();
                assertThat(d.globalMemBytes()).isPositive();
                assertThat(d.type()).isIn("CPU", "GPU", "ACCELERATOR", "OTHER");
            });
            assertThat(OpenClRuntime.devices()).extracting(OpenClDevice::index)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, OpenClRuntime.devices().size()).boxed().toList());
        } else {
            assertThat(OpenClRuntime.isAvailable()).isFalse();
            assertThat(OpenClRuntime.unavailabilityCause()).isPresent();
        }
    }
}
