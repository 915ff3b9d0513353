package io.backplane.accel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Inputs and device faults shared by the Accelerator test classes. */
final class AccelFixtures {
    private AccelFixtures() {
    }

    /** n short, distinct messages (deterministic). */
    static List<byte[]> messages(int n) {
        List<byte[]> m = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            m.add(new byte[]{(byte) i, (byte) (i * 7)});
        }
        return m;
    }

    /** A device hook that fails every device call while {@code broken} is true, as a driver out of resources would. */
    static DeviceFaultHook failingWhile(AtomicBoolean broken) {
        return new DeviceFaultHook() {
            @Override
            public void beforeDeviceCall(String op, int items) {
                if (broken.get()) {
                    throw new IllegalStateException("injected CL_OUT_OF_RESOURCES");
                }
            }
        };
    }

    /** The registry in Prometheus text format. */
    static String scrape(io.prometheus.metrics.model.registry.PrometheusRegistry r) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out, r.scrape());
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
