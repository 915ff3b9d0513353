package io.backplane.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.accel.AccelMetrics.FallbackReason;
import io.backplane.accel.Accelerator;
import io.backplane.accel.DeviceFaultHook;
import io.backplane.node.consensus.crypto.AccelTestSupport;
import io.backplane.node.consensus.crypto.AcceleratedBls;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The consensus with real BLS12-381 (the shape of {@link RealBlsConsensusTest}: n = 4, one Byzantine node, lossy
 * links) whose QCs are aggregated and verified through the accelerator adapter on the OpenCL device (PoCL on CI,
 * every threshold at 1, every device answer cross-checked), and once more with the device failing every call: the
 * accelerator answers on the CPU and consensus still commits.
 */
class AcceleratedConsensusIT {
    private static final long SEED = Long.getLong("backplane.seed", 1L);

    private static SimResult run(Accelerator a) {
        SimResult r = Simulation.run(SimConfig.of(4, 1, 14, EnumSet.of(Fault.DROPS), SEED).withRealBls(true), new AcceleratedBls(a));
        assertThat(r.failed()).as("seed %d: %s", SEED, r.describe()).isFalse();
        assertThat(r.committedBlocks()).as("seed %d", SEED).isGreaterThan(2);
        assertThat(r.counters().get("certs.verified")).isPositive();
        return r;
    }

    @Test
    void commitsWithQuorumCertificatesFormedAndCheckedOnTheDevice() {
        try (Accelerator a = AccelTestSupport.deviceForced(DeviceFaultHook.NONE)) {
            run(a);
            for (String op : List.of("bls-aggregate", "bls-fast-aggregate-verify-set")) {
                assertThat(a.metrics().calls(op, "opencl")).as(op + " on the device").isPositive();
                assertThat(a.metrics().crossChecks(op, false)).as(op + " mismatches").isZero();
                assertThat(a.metrics().fallbacks(op, FallbackReason.ERROR)).isZero();
            }
        }
    }

    @Test
    void commitsOnTheCpuWhenTheDeviceFails() {
        DeviceFaultHook broken = new DeviceFaultHook() {
            @Override
            public void beforeDeviceCall(String op, int items) {
                throw new IllegalStateException("injected device fault in " + op);
            }
        };
        try (Accelerator a = AccelTestSupport.deviceForced(broken)) {
            run(a);
            assertThat(a.metrics().calls("bls-fast-aggregate-verify-set", "opencl")).isZero();
            assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", FallbackReason.ERROR)).isPositive();
            assertThat(a.metrics().fallbacks("bls-aggregate", FallbackReason.ERROR)).isPositive();
        }
    }
}
