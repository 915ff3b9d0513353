package io.backplane.accel.bls;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.TestDevices;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's random differential test for BLS: {@value #CASES} seeded triples (forged, mismatched, swapped and
 * malformed entries mixed among valid ones), answered by single {@code Verify} on the CPU (the reference), by the
 * CPU's batch verify, and by the device path (device batch verify and device aggregation) on every OpenCL device.
 * The device decodes G2 points at ~170/s on PoCL, so the default suite sends it a seeded subset of
 * {@value #DEVICE_DEFAULT} triples; {@code -Dbackplane.fullDifferential=true} sends it all {@value #CASES}.
 */
class BlsDifferentialIT {
    static final int CASES = 10_000;
    static final int DEVICE_DEFAULT = 1_000;
    /** Device batches: a batch that fails its combination is bisected on the CPU, so small batches keep bisection cheap. */
    private static final int DEVICE_BATCH = 50;
    /** Aggregation groups: about half hold a malformed member, so both answers (a point, empty) occur. */
    private static final int GROUP = 16;
    private static final long SEED = Long.getLong("backplane.seed", 0x5eedb15L);
    private static final BlsCpu BLS = new BlsCpu();
    private static List<BlsSignatureSet> sets;
    private static boolean[] single;

    @BeforeAll
    static void drawAndVerifySingly() {
        sets = BlsRandomSets.mixed(BLS, new Random(SEED), CASES);
        single = new boolean[CASES];
        IntStream.range(0, CASES).parallel().forEach(i -> {
            BlsSignatureSet s = sets.get(i);
            single[i] = BLS.verify(s.publicKey(), s.message(), s.signature());
        });
    }

    @Test
    void cpuBatchAnswersEqualSingleVerification() {
        boolean[] batch = new CpuBackend().blsBatchVerifyEach(sets);
        int valid = 0;
        for (int i = 0; i < CASES; i++) {
            assertThat(batch[i]).as("seed %d triple %d", SEED, i).isEqualTo(single[i]);
            valid += single[i] ? 1 : 0;
        }
        assertThat(valid).as("seed %d: the mix holds both valid and invalid triples", SEED).isBetween(CASES / 4, CASES * 3 / 4);
    }

    @Test
    void deviceBatchVerifyAndAggregationEqualTheCpuOnASeededSubset() {
        TestDevices.assumeDevice();
        int n = Boolean.getBoolean("backplane.fullDifferential") ? CASES : DEVICE_DEFAULT;
        List<Integer> order = new ArrayList<>(IntStream.range(0, CASES).boxed().toList());
        Collections.shuffle(order, new Random(SEED + 1));
        List<Integer> subset = order.subList(0, n);
        AccelBackend cpu = new CpuBackend();
        for (OpenClRuntime.Handle h : TestDevices.handles()) {
            AccelBackend dev = TestDevices.shared(h);
            for (int from = 0; from < n; from += DEVICE_BATCH) {
                List<Integer> idx = subset.subList(from, Math.min(n, from + DEVICE_BATCH));
                boolean[] got = dev.blsBatchVerifyEach(idx.stream().map(sets::get).toList());
                for (int j = 0; j < idx.size(); j++) {
                    int i = idx.get(j);
                    assertThat(got[j]).as("seed %d triple %d on %s", SEED, i, dev.describe()).isEqualTo(single[i]);
                }
            }
            // An all-valid batch, which the device's combination settles without the CPU's bisection.
            List<BlsSignatureSet> honest = subset.stream().filter(i -> single[i]).limit(DEVICE_BATCH).map(sets::get).toList();
            assertThat(dev.blsBatchVerifyEach(honest)).as("seed %d, honest batch on %s", SEED, dev.describe())
                    .hasSize(honest.size()).containsOnly(true);
            int present = 0;
            for (int from = 0; from < n; from += GROUP) {
                List<BlsSignatureSet> group = subset.subList(from, Math.min(n, from + GROUP)).stream().map(sets::get).toList();
                List<byte[]> sigs = group.stream().map(BlsSignatureSet::signature).toList();
                List<byte[]> pks = group.stream().map(BlsSignatureSet::publicKey).toList();
                assertSame(dev.blsAggregateSignatures(sigs), cpu.blsAggregateSignatures(sigs), "signatures", from, dev);
                Optional<byte[]> want = cpu.blsAggregatePublicKeys(pks);
                assertSame(dev.blsAggregatePublicKeys(pks), want, "public keys", from, dev);
                present += want.isPresent() ? 1 : 0;
            }
            assertThat(present).as("seed %d: groups with and without a malformed key", SEED).isPositive().isLessThan((n + GROUP - 1) / GROUP);
        }
    }

    private static void assertSame(Optional<byte[]> got, Optional<byte[]> want, String what, int from, AccelBackend dev) {
        assertThat(got.isPresent()).as("seed %d, %s of group at %d on %s", SEED, what, from, dev.describe()).isEqualTo(want.isPresent());
        want.ifPresent(w -> assertThat(got.get()).as("seed %d, %s of group at %d on %s", SEED, what, from, dev.describe()).isEqualTo(w));
    }
}
