package io.backplane.accel;

import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import static io.backplane.accel.AccelFixtures.messages;
import static io.backplane.accel.AccelFixtures.scrape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.AccelMetrics.FallbackReason;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.TestDevices;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The dispatch machinery, driven through the real OpenCL device (PoCL on CI) with faults injected at its boundary;
 * skipped without a device, where {@link AcceleratorInProcessTest} still covers the same behaviours.
 */
class AcceleratorIT {
    private final CpuBackend reference = new CpuBackend();
    private final AtomicLong clock = new AtomicLong();

    private final PrometheusRegistry registry = new PrometheusRegistry();

    private Accelerator accelerator(DeviceFaultHook hook, double crossCheck) {
        Accelerator.Options o = Accelerator.Options.defaults()
                .withThresholds(Map.of("sha256", 4, "merkle", 4, "vdf-verify", 1))
                .withDeadline(Duration.ofSeconds(20))
                .withCrossCheck(crossCheck, 7)
                .withFaultHook(hook)
                .withClock(clock::get)
                .withRegistry(registry);
        return new Accelerator(new CpuBackend(), Optional.of(TestDevices.fresh()), o);
    }

    @Test
    void smallBatchesStayOnTheCpuAndLargeOnesGoToTheDevice() {
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 0)) {
            List<byte[]> small = messages(3);
            List<byte[]> large = messages(50);
            assertThat(a.sha256Batch(small)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(small));
            assertThat(a.sha256Batch(large)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(large));
            assertThat(a.merkleRoot(large)).isEqualTo(reference.merkleRoot(large));
            assertThat(a.metrics().calls("sha256", "cpu")).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "opencl")).isEqualTo(1);
            assertThat(a.metrics().items("sha256", "opencl")).isEqualTo(50);
            assertThat(a.metrics().calls("merkle", "opencl")).isEqualTo(1);
        }
    }

    @Test
    void fallsBackToCpuWhenDeviceFailsAndRetriesAfterTheCoolDown() {
        AtomicBoolean broken = new AtomicBoolean(true);
        DeviceFaultHook hook = AccelFixtures.failingWhile(broken);
        try (Accelerator a = accelerator(hook, 0)) {
            List<byte[]> msgs = messages(20);
            byte[] expected = reference.merkleRoot(msgs);
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.OPEN);
            // While open, the device is not tried at all.
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.BREAKER_OPEN)).isEqualTo(1);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.ERROR)).isEqualTo(1);
            // Other operations have their own breaker.
            assertThat(a.breakerState(AccelOp.SHA256)).isEqualTo(CircuitBreaker.State.CLOSED);
            // After the cool-down one trial goes to the device; it fails again, so the cool-down doubles.
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.ERROR)).isEqualTo(2);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.OPEN);
            // Device healed: the next trial succeeds and closes the breaker.
            broken.set(false);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(a.metrics().calls("merkle", "opencl")).isEqualTo(1);
            assertThat(a.metrics().calls("merkle", "cpu")).isEqualTo(3);
            String scrape = scrape(registry);
            assertThat(scrape).contains("backplane_accel_fallbacks_total{op=\"merkle\",reason=\"error\"} 2.0")
                    .contains("backplane_accel_fallbacks_total{op=\"merkle\",reason=\"breaker_open\"} 1.0")
                    .contains("backplane_accel_calls_total{backend=\"opencl\",op=\"merkle\"} 1.0")
                    .contains("backplane_accel_items_total{backend=\"cpu\",op=\"merkle\"} 60.0")
                    .contains("backplane_accel_latency_seconds_count{backend=\"cpu\",op=\"merkle\"} 3")
                    .contains("backplane_accel_breaker_open{op=\"merkle\"} 0.0");
        }
    }

    @Test
    void aHungDeviceMissesItsDeadlineAndTheCallIsAnsweredOnceByTheCpu() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        DeviceFaultHook hook = new DeviceFaultHook() {
            @Override
            public void beforeDeviceCall(String op, int items) throws InterruptedException {
                entered.countDown();
                release.await();
            }
        };
        Accelerator.Options o = Accelerator.Options.defaults().withThresholds(Map.of("sha256", 1))
                .withDeadline(Duration.ofMillis(1000)).withCrossCheck(0, 1).withFaultHook(hook).withClock(clock::get)
                .withRegistry(new PrometheusRegistry());
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(TestDevices.fresh()), o)) {
            List<byte[]> msgs = messages(5);
            List<byte[]> got = a.sha256Batch(msgs);
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the call reached the device").isTrue();
            assertThat(got).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(msgs));
            assertThat(a.metrics().fallbacks("sha256", FallbackReason.DEADLINE)).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "cpu")).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "opencl")).isZero();
            release.countDown();
        }
    }

    @Test
    void aLyingDeviceIsCaughtByTheCrossCheckAndTheCpuAnswerIsReturned() {
        DeviceFaultHook liar = new DeviceFaultHook() {
            @Override
            public Object afterDeviceCall(String op, Object result) {
                if (result instanceof boolean[] b) {
                    boolean[] flipped = b.clone();
                    flipped[0] = !flipped[0];
                    return flipped;
                }
                return result;
            }
        };
        try (Accelerator a = accelerator(liar, 1.0)) {
            byte[] x = io.backplane.accel.vdf.Wesolowski.toBytes(java.math.BigInteger.valueOf(5));
            VdfOutput out = a.vdfEvaluate(x, 10);
            List<VdfProof> proofs = List.of(new VdfProof(x, out.y(), out.proof(), 10), new VdfProof(x, out.y(), out.proof(), 11));
            assertThat(a.vdfVerifyBatch(proofs)).containsExactly(true, false);
            assertThat(a.metrics().crossChecks("vdf-verify", false)).isEqualTo(1);
            assertThat(a.metrics().fallbacks("vdf-verify", FallbackReason.MISMATCH)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.VDF_VERIFY)).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void anHonestDeviceAgreesWithEverySampledCrossCheck() {
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 1.0)) {
            for (int n : new int[]{4, 9, 33}) {
                assertThat(a.merkleRoot(messages(n))).isEqualTo(reference.merkleRoot(messages(n)));
            }
            assertThat(a.metrics().crossChecks("merkle", true)).isEqualTo(3);
            assertThat(a.metrics().crossChecks("merkle", false)).isZero();
            assertThat(a.metrics().calls("merkle", "opencl")).isEqualTo(3);
        }
    }

    @Test
    void aDeviceAnswerOfTheWrongShapeIsADeviceFault() {
        DeviceFaultHook shortAnswer = new DeviceFaultHook() {
            @Override
            public Object afterDeviceCall(String op, Object result) {
                return result instanceof List<?> l ? l.subList(0, l.size() - 1) : result;
            }
        };
        try (Accelerator a = accelerator(shortAnswer, 0)) {
            List<byte[]> msgs = messages(10);
            assertThat(a.sha256Batch(msgs)).hasSize(10);
            assertThat(a.metrics().fallbacks("sha256", FallbackReason.BAD_SHAPE)).isEqualTo(1);
        }
    }

    @Test
    void aDeviceSharingTheHostCpuIsNotUsedWithoutAnExplicitThreshold() {
        Accelerator.Options o = Accelerator.Options.defaults().withRegistry(new PrometheusRegistry());
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(TestDevices.fresh()), o)) {
            int expected = a.device().orElseThrow().sharesHostCpu() ? Integer.MAX_VALUE : AccelOp.SHA256.defaultThreshold();
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(expected);
            assertThat(a.threshold(AccelOp.VDF_VERIFY)).isEqualTo(a.device().orElseThrow().sharesHostCpu()
                    ? Integer.MAX_VALUE : AccelOp.VDF_VERIFY.defaultThreshold());
        }
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(TestDevices.fresh()),
                o.withThresholds(Map.of("sha256", 10)).withRegistry(new PrometheusRegistry()))) {
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(10);
        }
    }

    @Test
    void anOperationTheDeviceHasNoKernelForRunsOnTheCpuWithoutCountingAFault() {
        AccelOp<List<byte[]>, String> cpuOnly = new AccelOp<>("test-cpu-only", (b, in) -> b.name(), List::size,
                in -> AccelOp.noNulls("items", in), (in, out) -> true, String::equals, 1);
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 0)) {
            assertThat(a.run(cpuOnly, messages(100))).isEqualTo("cpu");
            assertThat(a.metrics().calls("test-cpu-only", "cpu")).isEqualTo(1);
            assertThat(a.breakerState(cpuOnly)).isEqualTo(CircuitBreaker.State.CLOSED);
            for (FallbackReason r : FallbackReason.values()) {
                assertThat(a.metrics().fallbacks("test-cpu-only", r)).isZero();
            }
        }
    }

    @Test
    void badInputIsRefusedBeforeAnyBackendRunsAndNamesTheItem() {
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.empty(), Accelerator.Options.defaults())) {
            List<byte[]> withNull = new ArrayList<>(messages(3));
            withNull.add(null);
            assertThatThrownBy(() -> a.sha256Batch(withNull)).isInstanceOf(IllegalArgumentException.class).hasMessage("messages[3]: null");
            assertThatThrownBy(() -> a.merkleRoot(null)).hasMessage("leaves: null list");
            assertThat(a.sha256Batch(messages(2))).hasSize(2);
            assertThat(a.metrics().calls("sha256", "cpu")).isEqualTo(1);
        }
    }
}
