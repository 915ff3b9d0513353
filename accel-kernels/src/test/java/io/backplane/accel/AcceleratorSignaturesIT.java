package io.backplane.accel;

import io.backplane.accel.bls.BlsTestKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.AccelMetrics.FallbackReason;
import io.backplane.accel.bls.BlsAggregateVerifyInput;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySet;
import io.backplane.accel.bls.BlsKeySetAggregateInput;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.opencl.TestDevices;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The issue-7 operations through the {@link Accelerator} on the real OpenCL device (PoCL on CI): Ed25519 and BLS
 * public-key and signature aggregation and the scalar multiplications of BLS batch verification run on the device, the BLS operations without a kernel go to the CPU through
 * {@code supports()} without counting a fault, and injected faults fall back to the CPU for the new ops too.
 */
class AcceleratorSignaturesIT {
    private static final long SEED = Long.getLong("backplane.seed", 77L);
    private static final BlsCpu BLS = new BlsCpu();
    private static final CpuBackend REFERENCE = new CpuBackend();
    private static List<Ed25519Item> edItems;
    private static List<byte[][]> blsTriples;

    private final AtomicLong clock = new AtomicLong();

    @BeforeAll
    static void inputs() {
        Random rnd = new Random(SEED);
        edItems = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] sk = new byte[32];
            rnd.nextBytes(sk);
            byte[] pk = new byte[32];
            Ed25519.generatePublicKey(sk, 0, pk, 0);
            byte[] msg = new byte[rnd.nextInt(80)];
            rnd.nextBytes(msg);
            byte[] sig = new byte[64];
            Ed25519.sign(sk, 0, msg, 0, msg.length, sig, 0);
            switch (i % 5) {
                case 1 -> sig[rnd.nextInt(64)] ^= 1;            // forged
                case 2 -> msg = Arrays.copyOf(msg, msg.length + 1); // mismatched message
                case 3 -> sig = Arrays.copyOf(sig, 63);          // malformed
                default -> { }
            }
            edItems.add(new Ed25519Item(pk, msg, sig));
        }
        blsTriples = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] sk = BlsTestKeys.keyGen(ikm);
            byte[] msg = new byte[32];
            rnd.nextBytes(msg);
            blsTriples.add(new byte[][]{BlsTestKeys.publicKey(sk), msg, BlsTestKeys.sign(sk, msg)});
        }
    }

    private Accelerator accelerator(DeviceFaultHook hook, double crossCheck) {
        Map<String, Integer> everything = new java.util.HashMap<>();
        AccelOp.all().forEach(op -> everything.put(op.name(), 1));
        Accelerator.Options o = Accelerator.Options.defaults().withThresholds(everything)
                .withDeadline(Duration.ofSeconds(60)).withCrossCheck(crossCheck, SEED).withFaultHook(hook)
                .withClock(clock::get).withRegistry(new PrometheusRegistry());
        return new Accelerator(new CpuBackend(), Optional.of(TestDevices.fresh()), o);
    }

    private static List<byte[]> column(int c) {
        return blsTriples.stream().map(t -> t[c]).toList();
    }

    @Test
    void ed25519AndPubkeyAggregationRunOnTheDeviceWithTheCpuAnswers() {
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 1.0)) {
            boolean[] expected = REFERENCE.ed25519BatchVerify(edItems);
            assertThat(a.ed25519BatchVerify(edItems)).as("seed %d", SEED).containsExactly(expected);
            assertThat(expected).contains(true, false);
            List<byte[]> pks = column(0);
            Optional<byte[]> agg = a.blsAggregatePublicKeys(pks);
            assertThat(agg).get().isEqualTo(REFERENCE.blsAggregatePublicKeys(pks).orElseThrow());
            // The aggregate key verifies the aggregate signature of one message signed by every key.
            byte[] msg = "one vote".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            List<byte[]> sks = new ArrayList<>();
            Random rnd = new Random(SEED + 1);
            List<byte[]> sigs = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                byte[] ikm = new byte[32];
                rnd.nextBytes(ikm);
                sks.add(BlsTestKeys.keyGen(ikm));
                keys.add(BlsTestKeys.publicKey(sks.get(i)));
                sigs.add(BlsTestKeys.sign(sks.get(i), msg));
            }
            byte[] aggSig = a.blsAggregateSignatures(sigs).orElseThrow();
            assertThat(a.blsVerify(new BlsSignatureSet(a.blsAggregatePublicKeys(keys).orElseThrow(), msg, aggSig))).isTrue();
            // An invalid key (the infinity encoding) makes the aggregate empty, on the device as on the CPU.
            List<byte[]> withInfinity = new ArrayList<>(pks);
            byte[] inf = new byte[48];
            inf[0] = (byte) 0xc0;
            withInfinity.add(inf);
            assertThat(a.blsAggregatePublicKeys(withInfinity)).isEmpty();
            assertThat(a.metrics().calls("ed25519-verify", "opencl")).isEqualTo(1);
            assertThat(a.metrics().calls("bls-aggregate-pubkeys", "opencl")).isEqualTo(3);
            assertThat(a.metrics().calls("bls-aggregate", "opencl")).isEqualTo(1);
            assertThat(a.metrics().crossChecks("bls-aggregate", true)).isEqualTo(1);
            assertThat(a.metrics().crossChecks("ed25519-verify", true)).isEqualTo(1);
            assertThat(a.metrics().crossChecks("bls-aggregate-pubkeys", true)).isEqualTo(3);
        }
    }

    @Test
    void blsBatchVerifyOnTheDeviceAndTheOpsWithoutAKernelOnTheCpuWithoutAFault() {
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 1.0)) {
            List<BlsSignatureSet> sets = new ArrayList<>();
            for (byte[][] t : blsTriples) {
                sets.add(new BlsSignatureSet(t[0], t[1], t[2]));
            }
            // One forgery: the batch answer is per triple, the others stay valid.
            byte[][] f = blsTriples.get(3);
            sets.set(3, new BlsSignatureSet(f[0], f[1], blsTriples.get(4)[2]));
            boolean[] each = a.blsBatchVerifyEach(sets);
            for (int i = 0; i < each.length; i++) {
                assertThat(each[i]).as("triple %d", i).isEqualTo(i != 3);
            }
            byte[][] t = blsTriples.get(0);
            assertThat(a.blsVerify(new BlsSignatureSet(t[0], t[1], t[2]))).isTrue();
            assertThat(a.blsFastAggregateVerify(new BlsFastAggregateInput(List.of(t[0]), t[1], t[2]))).isTrue();
            assertThat(a.blsAggregateVerify(new BlsAggregateVerifyInput(column(0), column(1),
                    a.blsAggregateSignatures(column(2)).orElseThrow()))).isTrue();
            assertThat(a.blsAggregateSignatures(List.of())).isEmpty();
            assertThat(a.metrics().calls("bls-batch-verify", "opencl")).isEqualTo(1);
            assertThat(a.metrics().crossChecks("bls-batch-verify", true)).isEqualTo(1);
            assertThat(a.metrics().calls("bls-fast-aggregate-verify", "opencl")).isEqualTo(1);
            // Keys that cancel sum to infinity: FastAggregateVerify must refuse, on the device path as on the CPU.
            byte[] negated = t[0].clone();
            negated[0] ^= 0x20;
            assertThat(a.blsFastAggregateVerify(new BlsFastAggregateInput(List.of(t[0], negated), t[1], t[2]))).isFalse();
            assertThat(a.metrics().crossChecks("bls-fast-aggregate-verify", true)).isEqualTo(2);
            for (String op : List.of("bls-verify", "bls-aggregate-verify")) {
                assertThat(a.metrics().calls(op, "opencl")).as(op).isZero();
                assertThat(a.metrics().calls(op, "cpu")).as(op).isPositive();
                for (FallbackReason r : FallbackReason.values()) {
                    assertThat(a.metrics().fallbacks(op, r)).as(op + " " + r).isZero();
                }
            }
            assertThat(a.device().orElseThrow().supports(AccelOp.BLS_VERIFY)).isFalse();
            assertThatThrownBy(() -> a.device().orElseThrow().blsVerify(sets.get(0)))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("bls-verify");
        }
    }

    @Test
    void qcChecksOverARegisteredKeySetRunOnTheDeviceWithTheCpuAnswers() {
        byte[] msg = "one block".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Random rnd = new Random(SEED + 2);
        List<byte[]> sks = new ArrayList<>();
        List<byte[]> pks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            sks.add(BlsTestKeys.keyGen(ikm));
            pks.add(BlsTestKeys.publicKey(sks.get(i)));
        }
        BlsKeySet keys = BlsKeySet.decode(pks);
        java.util.BitSet who = new java.util.BitSet();
        who.set(1, 5);
        byte[] agg = BLS.aggregateSignatures(List.of(BlsTestKeys.sign(sks.get(1), msg), BlsTestKeys.sign(sks.get(2), msg),
                BlsTestKeys.sign(sks.get(3), msg), BlsTestKeys.sign(sks.get(4), msg))).orElseThrow();
        java.util.BitSet beyond = (java.util.BitSet) who.clone();
        beyond.set(6);
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 1.0)) {
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, who, msg, agg))).isTrue();
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, who, "other".getBytes(), agg))).isFalse();
            java.util.BitSet fewer = (java.util.BitSet) who.clone();
            fewer.clear(4);
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, fewer, msg, agg))).isFalse();
            assertThat(a.metrics().calls("bls-fast-aggregate-verify-set", "opencl")).isEqualTo(3);
            assertThat(a.metrics().crossChecks("bls-fast-aggregate-verify-set", true)).isEqualTo(3);
            // A hostile bitmap is false on the device as on the CPU, never an exception or a device fault.
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, beyond, msg, agg))).isFalse();
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, new java.util.BitSet(), msg, agg))).isFalse();
            for (FallbackReason r : FallbackReason.values()) {
                assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", r)).as(r.toString()).isZero();
            }
        }
        AtomicBoolean broken = new AtomicBoolean(true);
        try (Accelerator a = accelerator(AccelFixtures.failingWhile(broken), 0)) {
            assertThat(a.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(keys, who, msg, agg))).isTrue();
            assertThat(a.metrics().fallbacks("bls-fast-aggregate-verify-set", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.BLS_FAST_AGGREGATE_VERIFY_SET)).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void aFailingDeviceFallsBackToTheCpuForTheNewOps() {
        AtomicBoolean broken = new AtomicBoolean(true);
        DeviceFaultHook hook = AccelFixtures.failingWhile(broken);
        try (Accelerator a = accelerator(hook, 0)) {
            assertThat(a.ed25519BatchVerify(edItems)).containsExactly(REFERENCE.ed25519BatchVerify(edItems));
            assertThat(a.blsAggregatePublicKeys(column(0))).get().isEqualTo(REFERENCE.blsAggregatePublicKeys(column(0)).orElseThrow());
            assertThat(a.metrics().fallbacks("ed25519-verify", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.metrics().fallbacks("bls-aggregate-pubkeys", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.blsAggregateSignatures(column(2))).get().isEqualTo(REFERENCE.blsAggregateSignatures(column(2)).orElseThrow());
            assertThat(a.metrics().fallbacks("bls-aggregate", FallbackReason.ERROR)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.ED25519_VERIFY)).isEqualTo(CircuitBreaker.State.OPEN);
            broken.set(false);
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
            assertThat(a.ed25519BatchVerify(edItems)).containsExactly(REFERENCE.ed25519BatchVerify(edItems));
            assertThat(a.breakerState(AccelOp.ED25519_VERIFY)).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(a.metrics().calls("ed25519-verify", "opencl")).isEqualTo(1);
        }
    }

    @Test
    void aDeviceValidTheCpuRefusesIsCaughtAndTheCpuAnswerReturned() {
        byte[] forgedAggregate = REFERENCE.blsAggregatePublicKeys(column(0).subList(0, 2)).orElseThrow();
        DeviceFaultHook liar = new DeviceFaultHook() {
            @Override
            public Object afterDeviceCall(String op, Object result) {
                if (result instanceof boolean[] b) {
                    boolean[] all = b.clone();
                    Arrays.fill(all, true); // says every signature is valid, forged ones included
                    return all;
                }
                return result instanceof Optional<?> ? Optional.of(forgedAggregate) : result;
            }
        };
        try (Accelerator a = accelerator(liar, 1.0)) {
            boolean[] expected = REFERENCE.ed25519BatchVerify(edItems);
            assertThat(a.ed25519BatchVerify(edItems)).containsExactly(expected);
            assertThat(a.metrics().fallbacks("ed25519-verify", FallbackReason.MISMATCH)).isEqualTo(1);
            assertThat(a.blsAggregatePublicKeys(column(0))).get().isEqualTo(REFERENCE.blsAggregatePublicKeys(column(0)).orElseThrow());
            assertThat(a.metrics().fallbacks("bls-aggregate-pubkeys", FallbackReason.MISMATCH)).isEqualTo(1);
            assertThat(a.breakerState(AccelOp.BLS_AGGREGATE_PUBKEYS)).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void onlyANullInputIsRefusedBadItemsAnswerFalseOrEmpty() {
        try (Accelerator a = accelerator(DeviceFaultHook.NONE, 1.0)) {
            assertThatThrownBy(() -> a.ed25519BatchVerify(null)).isInstanceOf(IllegalArgumentException.class);
            List<Ed25519Item> bad = new ArrayList<>(Arrays.asList(null, new Ed25519Item(null, null, null),
                    new Ed25519Item(new byte[31], new byte[0], new byte[64])));
            assertThat(a.ed25519BatchVerify(bad)).containsExactly(false, false, false);
            assertThat(a.blsAggregatePublicKeys(Arrays.asList(new byte[47], null))).isEmpty();
            assertThat(a.blsBatchVerifyEach(Arrays.asList(null, new BlsSignatureSet(new byte[48], null, new byte[96]))))
                    .containsExactly(false, false);
        }
    }
}
