package io.backplane.accel.opencl.bls;

import io.backplane.accel.bls.*;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** The pairwise tree sum on the device that the G1 and G2 paths share (one launch per level, ping-ponging two buffers). */
final class DeviceTreeSum {
    /** Launches {@code k} over {@code global} work-items reading {@code n} points from {@code in}, writing {@code out}. */
    interface Launch {
        void run(cl_kernel k, int global, cl_mem in, cl_mem out, int n);
    }

    private DeviceTreeSum() {
    }

    /**
     * Sums the {@code n} Montgomery-form points in {@code a} with {@code reduce} (ceil(log2 n) launches, using
     * {@code b} as the other half of the ping-pong), converts the sum out of Montgomery form with {@code outOfMont},
     * and returns the buffer whose first point is the result. Both buffers stay the caller's to release.
     */
    static cl_mem sum(Launch launch, cl_kernel reduce, cl_kernel outOfMont, cl_mem a, cl_mem b, int n) {
        int m = n;
        while (m > 1) {
            int half = (m + 1) / 2;
            launch.run(reduce, half, a, b, m);
            cl_mem t = a;
            a = b;
            b = t;
            m = half;
        }
        launch.run(outOfMont, 1, a, b, 1);
        return b;
    }
}
