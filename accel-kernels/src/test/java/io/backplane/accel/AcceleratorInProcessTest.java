package io.backplane.accel;

import io.backplane.accel.bls.BlsTestKeys;
import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import static io.backplane.accel.AccelFixtures.messages;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.accel.AccelMetrics.FallbackReason;
import io.backplane.accel.FaultyBackend.Fault;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsKeySet;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.ed25519.Ed25519Item;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The dispatch machinery (threshold, fallback, breaker, deadline, cross-check, shape check, metrics) driven through
 * {@link FaultyBackend}, a real in-process backend that is not a device, so it runs on every machine;
 * {@link AcceleratorIT} repeats the same behaviours on a real OpenCL device where one exists.
 */
class AcceleratorInProcessTest {
    private final CpuBackend reference = new CpuBackend();
    private final AtomicLong clock = new AtomicLong();
    private final PrometheusRegistry registry = new PrometheusRegistry();

    private Accelerator accelerator(FaultyBackend device, double crossCheck, Duration deadline) {
        Accelerator.Options o = Accelerator.Options.defaults()
                .withThresholds(Map.of("sha256", 4, "merkle", 4, "vdf-verify", 1, "ed25519-verify", 1, "bls-aggregate", 1))
                .withDeadline(deadline)
                .withCrossCheck(crossCheck, 7)
                .withClock(clock::get)
                .withRegistry(registry);
        return new Accelerator(new CpuBackend(), Optional.of(device), o);
    }

    private Accelerator accelerator(FaultyBackend device, double crossCheck) {
        return accelerator(device, crossCheck, Duration.ofSeconds(20));
    }

    @Test
    void smallBatchesStayOnTheCpuAndLargeOnesGoToTheBackend() {
        FaultyBackend dev = new FaultyBackend();
        try (Accelerator a = accelerator(dev, 0)) {
            List<byte[]> small = messages(3);
            List<byte[]> large = messages(50);
            assertThat(a.sha256Batch(small)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(small));
            assertThat(dev.calls).hasValue(0);
            assertThat(a.sha256Batch(large)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(large));
            assertThat(dev.calls).hasValue(1);
            assertThat(a.metrics().calls("sha256", "cpu")).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "faulty")).isEqualTo(1);
            assertThat(a.metrics().items("sha256", "faulty")).isEqualTo(50);
        }
        assertThat(dev.closed).as("the accelerator owns and closes its device").isTrue();
    }

    @Test
    void anErroringBackendFallsBackOpensTheBreakerAndIsRetriedAfterTheCoolDown() {
        FaultyBackend dev = new FaultyBackend().fault(Fault.ERROR);
        try (Accelerator a = accelerator(dev, 0)) {
            List<byte[]> msgs = messages(20);
            byte[] expected = reference.merkleRoot(msgs);
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.OPEN);
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(dev.calls).as("an open breaker keeps calls off the backend").hasValue(1);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.BREAKER_OPEN)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.SHA256)).isEqualTo(CircuitBreaker.State.CLOSED);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(dev.calls).as("one trial after the cool-down").hasValue(2);
            assertThat(a.metrics().fallbacks("merkle", FallbackReason.ERROR)).isEqualTo(2);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.breakerState(AccelOp.MERKLE)).as("the cool-down doubled after the failed trial").isEqualTo(CircuitBreaker.State.OPEN);
            dev.fault(Fault.NONE);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.merkleRoot(msgs)).isEqualTo(expected);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(a.metrics().calls("merkle", "faulty")).isEqualTo(1);
            assertThat(a.metrics().calls("merkle", "cpu")).isEqualTo(3);
            assertThat(AccelFixtures.scrape(registry))
                    .contains("backplane_accel_fallbacks_total{op=\"merkle\",reason=\"error\"} 2.0")
                    .contains("backplane_accel_fallbacks_total{op=\"merkle\",reason=\"breaker_open\"} 1.0")
                    .contains("backplane_accel_calls_total{backend=\"faulty\",op=\"merkle\"} 1.0")
                    .contains("backplane_accel_items_total{backend=\"cpu\",op=\"merkle\"} 60.0")
                    .contains("backplane_accel_latency_seconds_count{backend=\"cpu\",op=\"merkle\"} 3")
                    .contains("backplane_accel_breaker_open{op=\"merkle\"} 0.0");
        }
    }

    @Test
    void aHungBackendMissesItsDeadlineAndTheCallIsAnsweredOnceByTheCpu() throws Exception {
        FaultyBackend dev = new FaultyBackend().fault(Fault.HANG);
        // The deadline is generous so that a loaded 2-core machine still starts the device call before it passes.
        try (Accelerator a = accelerator(dev, 0, Duration.ofMillis(1000))) {
            List<byte[]> msgs = messages(5);
            List<byte[]> got = a.sha256Batch(msgs);
            assertThat(dev.hung.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the call reached the backend").isTrue();
            assertThat(got).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(msgs));
            assertThat(a.metrics().fallbacks("sha256", FallbackReason.DEADLINE)).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "cpu")).isEqualTo(1);
            assertThat(a.metrics().calls("sha256", "faulty")).isZero();
            assertThat(a.breakerState(AccelOp.SHA256)).isEqualTo(CircuitBreaker.State.OPEN);
            dev.release();
        }
    }

    @Test
    void aLyingBackendIsCaughtByTheCrossCheckOnEveryOperationKind() {
        FaultyBackend dev = new FaultyBackend().fault(Fault.LIE);
        try (Accelerator a = accelerator(dev, 1.0)) {
            byte[] x = io.backplane.accel.vdf.Wesolowski.toBytes(java.math.BigInteger.valueOf(5));
            VdfOutput out = a.vdfEvaluate(x, 10);
            List<VdfProof> proofs = List.of(new VdfProof(x, out.y(), out.proof(), 10), new VdfProof(x, out.y(), out.proof(), 11));
            assertThat(a.vdfVerifyBatch(proofs)).containsExactly(true, false);
            List<byte[]> msgs = messages(9);
            assertThat(a.merkleRoot(msgs)).isEqualTo(reference.merkleRoot(msgs));
            byte[] seed = new byte[32];
            byte[] pk = new byte[32];
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
            byte[] sig = new byte[64];
            org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, new byte[]{1}, 0, 1, sig, 0);
            // The liar says "valid" for a forgery (the message does not match): the CPU's false is returned.
            List<Ed25519Item> items = List.of(new Ed25519Item(pk, new byte[]{2}, sig), new Ed25519Item(pk, new byte[]{1}, sig));
            assertThat(a.ed25519BatchVerify(items)).containsExactly(false, true);
            BlsCpu bls = new BlsCpu();
            byte[] sk = BlsTestKeys.keyGen(new byte[32]);
            List<byte[]> sigs = List.of(BlsTestKeys.sign(sk, new byte[]{1}), BlsTestKeys.sign(sk, new byte[]{2}));
            assertThat(a.blsAggregateSignatures(sigs)).contains(bls.aggregateSignatures(sigs).orElseThrow());
            for (String op : List.of("vdf-verify", "merkle", "ed25519-verify", "bls-aggregate")) {
                assertThat(a.metrics().crossChecks(op, false)).as(op).isEqualTo(1);
                assertThat(a.metrics().fallbacks(op, FallbackReason.MISMATCH)).as(op).isEqualTo(1);
                assertThat(a.metrics().calls(op, "faulty")).as(op).isZero();
            }
            assertThat(a.breakerState(AccelOp.ED25519_VERIFY)).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    /** Three keys registered once, the aggregate of all three over one message, and the input for a bitmap. */
    private static BlsKeySetAggregateInput keySetInput(int signers, boolean honest) {
        BlsCpu bls = new BlsCpu();
        List<byte[]> pks = new java.util.ArrayList<>();
        List<byte[]> sigs = new java.util.ArrayList<>();
        byte[] msg = {4, 2};
        for (int i = 0; i < 3; i++) {
            byte[] sk = BlsTestKeys.keyGen(new byte[]{(byte) i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
            pks.add(BlsTestKeys.publicKey(sk));
            sigs.add(BlsTestKeys.sign(sk, msg));
        }
        BitSet who = new BitSet();
        who.set(0, signers);
        byte[] agg = bls.aggregateSignatures(sigs.subList(0, honest ? signers : 1)).orElseThrow();
        return new BlsKeySetAggregateInput(BlsKeySet.decode(pks), who, msg, agg);
    }

    @Test
    void theKeySetOperationFollowsTheSameThresholdFallbackAndCrossCheckAsEveryOp() {
        FaultyBackend dev = new FaultyBackend();
        Accelerator.Options o = Accelerator.Options.defaults().withThresholds(Map.of("bls-fast-aggregate-verify-set", 3))
                .withCrossCheck(1.0, 7).withClock(clock::get).withRegistry(registry);
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(dev), o)) {
            assertThat(a.blsFastAggregateVerifySet(keySetInput(2, true))).isTrue();
            assertThat(dev.calls).as("2 signers: below the threshold").hasValue(0);
            assertThat(a.blsFastAggregateVerifySet(keySetInput(3, true))).isTrue();
            assertThat(a.metrics().calls("bls-fast-aggregate-verify-set", "faulty")).isEqualTo(1);
            assertThat(a.metrics().crossChecks("bls-fast-aggregate-verify-set", true)).isEqualTo(1);
            dev.fault(Fault.LIE); // says "valid" for a QC whose aggregate holds one signature of three
            assertThat(a.blsFastAggregateVerifySet(keySetInput(3, false))).isFalse();
            assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", FallbackReason.MISMATCH)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.BLS_FAST_AGGREGATE_VERIFY_SET)).isEqualTo(CircuitBreaker.State.OPEN);
            dev.fault(Fault.ERROR);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.blsFastAggregateVerifySet(keySetInput(3, true))).isTrue();
            assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.metrics().items("bls-fast-aggregate-verify-set", "cpu")).isEqualTo(2 + 3 + 3);
        }
    }

    @Test
    void anHonestBackendAgreesWithEverySampledCrossCheck() {
        try (Accelerator a = accelerator(new FaultyBackend(), 1.0)) {
            for (int n : new int[]{4, 9, 33}) {
                assertThat(a.merkleRoot(messages(n))).isEqualTo(reference.merkleRoot(messages(n)));
            }
            assertThat(a.metrics().crossChecks("merkle", true)).isEqualTo(3);
            assertThat(a.metrics().crossChecks("merkle", false)).isZero();
            assertThat(a.metrics().calls("merkle", "faulty")).isEqualTo(3);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }

    @Test
    void anAnswerOfTheWrongShapeIsADeviceFault() {
        FaultyBackend dev = new FaultyBackend().fault(Fault.SHORT);
        try (Accelerator a = accelerator(dev, 0)) {
            List<byte[]> msgs = messages(10);
            assertThat(a.sha256Batch(msgs)).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(reference.sha256Batch(msgs));
            assertThat(a.metrics().fallbacks("sha256", FallbackReason.BAD_SHAPE)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.SHA256)).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void anUnsupportedOperationRunsOnTheCpuWithoutCountingAFault() {
        FaultyBackend dev = new FaultyBackend(Set.of("merkle"), false).fault(Fault.ERROR);
        try (Accelerator a = accelerator(dev, 0)) {
            assertThat(a.merkleRoot(messages(50))).isEqualTo(reference.merkleRoot(messages(50)));
            assertThat(dev.calls).hasValue(0);
            assertThat(a.breakerState(AccelOp.MERKLE)).isEqualTo(CircuitBreaker.State.CLOSED);
            for (FallbackReason r : FallbackReason.values()) {
                assertThat(a.metrics().fallbacks("merkle", r)).isZero();
            }
        }
    }

    @Test
    void aBackendSharingTheHostCpuIsNotUsedWithoutAnExplicitThreshold() {
        Accelerator.Options o = Accelerator.Options.defaults().withRegistry(new PrometheusRegistry());
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(new FaultyBackend(Set.of(), true)), o)) {
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(Integer.MAX_VALUE);
        }
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(new FaultyBackend(Set.of(), false)),
                o.withRegistry(new PrometheusRegistry()))) {
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(AccelOp.SHA256.defaultThreshold());
        }
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.of(new FaultyBackend(Set.of(), true)),
                o.withThresholds(Map.of("sha256", 10)).withRegistry(new PrometheusRegistry()))) {
            assertThat(a.threshold(AccelOp.SHA256)).isEqualTo(10);
        }
    }
}
