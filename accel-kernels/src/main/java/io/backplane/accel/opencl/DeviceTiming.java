package io.backplane.accel.opencl;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Host-side wall time of one device's calls, split into transfers (buffer uploads and result reads) and kernel
 * execution (enqueue until the queue drains), so the bench can report what share of the device time is spent moving
 * data rather than computing. Cumulative and thread-safe; {@link #reset()} starts a new measurement.
 */
public final class DeviceTiming {
    private final AtomicLong transferNanos = new AtomicLong();
    private final AtomicLong kernelNanos = new AtomicLong();

    public void transfer(long nanos) {
        transferNanos.addAndGet(nanos);
    }

    public void kernel(long nanos) {
        kernelNanos.addAndGet(nanos);
    }

    public long transferNanos() {
        return transferNanos.get();
    }

    public long kernelNanos() {
        return kernelNanos.get();
    }

    /** Transfers over transfers plus kernels since the last reset; NaN when nothing ran on the device. */
    public double transferShare() {
        long t = transferNanos.get();
        long total = t + kernelNanos.get();
        return total == 0 ? Double.NaN : (double) t / total;
    }

    public void reset() {
        transferNanos.set(0);
        kernelNanos.set(0);
    }
}
