package io.backplane.accel.bls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.Accelerator;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.TestDevices;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;

/**
 * {@code FastAggregateVerify} over a registered {@link BlsKeySet} ({@code bls-fast-aggregate-verify-set}) gives the
 * answer of {@link BlsCpu#fastAggregateVerify(List, byte[], byte[])} over the selected keys' bytes, for seeded random
 * signer subsets and hostile QCs (another subset's signature, wrong message, flipped byte, a point outside G2, the
 * identity, keys that cancel, an empty bitmap, a bit beyond the set), on the CPU and on every OpenCL device.
 * {@code -Dbackplane.seed=N} replays.
 */
class BlsKeySetIT {
    private static final long SEED = Long.getLong("backplane.seed", 0x6b657973L);
    private static final int KEYS = 24;
    private static final int TRIALS = 120;
    private static final BlsCpu BLS = new BlsCpu();
    private static byte[][] sks;
    private static List<byte[]> pks;
    private static BlsKeySet set;
    private static byte[][] messages;
    /** sigs[m][k]: key k's signature over messages[m]. */
    private static byte[][][] sigs;
    private static List<Trial> trials;

    /** One QC to check, and what the raw-bytes reference says of it. */
    record Trial(String kind, BitSet signers, byte[] message, byte[] signature, boolean expected) {
    }

    @BeforeAll
    static void keysAndTrials() {
        Random rnd = new Random(SEED);
        sks = new byte[KEYS][];
        pks = new ArrayList<>();
        for (int i = 0; i < KEYS - 1; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            sks[i] = BlsTestKeys.keyGen(ikm);
            pks.add(BlsTestKeys.publicKey(sks[i]));
        }
        // The last key is the negation of key 0 (a valid key): subsets holding both sum to the identity.
        byte[] negated = pks.get(0).clone();
        negated[0] ^= 0x20;
        pks.add(negated);
        set = BlsKeySet.decode(pks);
        messages = new byte[3][32];
        sigs = new byte[3][KEYS - 1][];
        for (int m = 0; m < messages.length; m++) {
            rnd.nextBytes(messages[m]);
            for (int k = 0; k < KEYS - 1; k++) {
                sigs[m][k] = BlsTestKeys.sign(sks[k], messages[m]);
            }
        }
        trials = new ArrayList<>();
        for (int t = 0; t < TRIALS; t++) {
            trials.add(trial(rnd, t % 10));
        }
    }

    private static BitSet randomSubset(Random rnd) {
        BitSet b = new BitSet();
        int n = 1 + rnd.nextInt(KEYS - 1);
        while (b.cardinality() < n) {
            b.set(rnd.nextInt(KEYS - 1)); // the negated key has no secret: it only joins on purpose
        }
        return b;
    }

    private static byte[] aggregate(int m, BitSet signers) {
        List<byte[]> s = new ArrayList<>();
        for (int i = signers.nextSetBit(0); i >= 0; i = signers.nextSetBit(i + 1)) {
            s.add(sigs[m][i]);
        }
        return BLS.aggregateSignatures(s).orElseThrow();
    }

    private static Trial trial(Random rnd, int kind) {
        int m = rnd.nextInt(messages.length);
        BitSet who = randomSubset(rnd);
        byte[] sig = aggregate(m, who);
        byte[] msg = messages[m];
        String name;
        BitSet bitmap = (BitSet) who.clone();
        switch (kind) {
            case 1 -> { // the bitmap claims one signer more, or one fewer, than signed
                name = "subset mismatch";
                int extra = bitmap.nextClearBit(0);
                if (bitmap.cardinality() > 1 && rnd.nextBoolean() || extra >= KEYS - 1) {
                    bitmap.clear(bitmap.nextSetBit(0));
                } else {
                    bitmap.set(extra);
                }
            }
            case 2 -> {
                name = "wrong message";
                msg = messages[(m + 1) % messages.length];
            }
            case 3 -> {
                name = "flipped byte";
                sig = sig.clone();
                sig[1 + rnd.nextInt(95)] ^= (byte) (1 << rnd.nextInt(8));
            }
            case 4 -> {
                name = "signature outside G2";
                sig = outsideG2(rnd);
            }
            case 5 -> {
                name = "identity signature";
                sig = new byte[96];
                sig[0] = (byte) 0xc0;
            }
            case 6 -> { // a key and its negation: the aggregate key is the identity (CoreVerify's KeyValidate refuses it)
                name = "cancelling keys";
                bitmap = new BitSet();
                bitmap.set(0);
                bitmap.set(KEYS - 1);
                sig = sigs[m][0];
            }
            case 7 -> {
                name = "bit beyond the set";
                bitmap.set(KEYS + rnd.nextInt(1000));
            }
            case 8 -> {
                name = "empty bitmap";
                bitmap = new BitSet();
            }
            case 9 -> {
                name = rnd.nextBoolean() ? "truncated signature" : "null message";
                if (name.startsWith("truncated")) {
                    sig = Arrays.copyOf(sig, 95);
                } else {
                    msg = null;
                }
            }
            default -> name = "valid";
        }
        return new Trial(name, bitmap, msg, sig, reference(bitmap, msg, sig));
    }

    /** The raw-bytes FastAggregateVerify over the selected keys; a bitmap naming no key or a key not there is false. */
    private static boolean reference(BitSet bitmap, byte[] msg, byte[] sig) {
        if (bitmap.isEmpty() || bitmap.length() > KEYS) {
            return false;
        }
        List<byte[]> selected = new ArrayList<>();
        for (int i = bitmap.nextSetBit(0); i >= 0; i = bitmap.nextSetBit(i + 1)) {
            selected.add(pks.get(i));
        }
        return BLS.fastAggregateVerify(selected, msg, sig);
    }

    /** A compressed point on the G2 curve outside the prime-order subgroup (random x until one decodes). */
    private static byte[] outsideG2(Random rnd) {
        while (true) {
            byte[] b = new byte[96];
            rnd.nextBytes(b);
            b[0] = (byte) (0x80 | (b[0] & 0x1f));
            try {
                if (!new P2_Affine(b).in_group()) {
                    return b;
                }
            } catch (RuntimeException notOnTheCurve) {
                // next x
            }
        }
    }

    private static void sameAnswers(String who, Predicate<Trial> path) {
        int valid = 0;
        for (int t = 0; t < trials.size(); t++) {
            Trial trial = trials.get(t);
            assertThat(path.test(trial)).as("%s, seed %d, trial %d (%s, %d signers)", who, SEED, t, trial.kind(),
                    trial.signers().cardinality()).isEqualTo(trial.expected());
            valid += trial.expected() ? 1 : 0;
        }
        assertThat(valid).as("seed %d: some trials valid, some not", SEED).isBetween(1, trials.size() - 1);
    }

    @Test
    void theReferenceAnswersAsEachKindDemands() {
        for (Trial t : trials) {
            assertThat(t.expected()).as("seed %d: %s", SEED, t.kind()).isEqualTo(t.kind().equals("valid"));
        }
    }

    @Test
    void cpuAnswersEqualFastAggregateVerifyOverTheSelectedRawKeys() {
        sameAnswers("BlsCpu", t -> BLS.fastAggregateVerify(set, t.signers(), t.message(), t.signature()));
        CpuBackend cpu = new CpuBackend();
        sameAnswers("CpuBackend", t -> cpu.blsFastAggregateVerifySet(new BlsKeySetAggregateInput(set, t.signers(), t.message(), t.signature())));
    }

    @Test
    void theAcceleratorOnTheCpuGivesTheSameAnswersAndCountsTheSigners() {
        try (Accelerator a = new Accelerator(new CpuBackend(), Optional.empty(),
                Accelerator.Options.defaults().withRegistry(new PrometheusRegistry()))) {
            sameAnswers("Accelerator(cpu)", t -> a.blsFastAggregateVerifySet(
                    new BlsKeySetAggregateInput(set, t.signers(), t.message(), t.signature())));
            assertThat(a.metrics().calls("bls-fast-aggregate-verify-set", "cpu")).isEqualTo(TRIALS);
            long signers = trials.stream().mapToLong(t -> t.signers().cardinality()).sum();
            assertThat(a.metrics().items("bls-fast-aggregate-verify-set", "cpu")).isEqualTo(signers);
        }
    }

    static Stream<OpenClRuntime.Handle> devices() {
        TestDevices.assumeDevice();
        return TestDevices.handles().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void everyOpenClDeviceGivesTheSameAnswers(OpenClRuntime.Handle h) {
        AccelBackend device = TestDevices.shared(h);
        sameAnswers(device.describe(), t -> device.blsFastAggregateVerifySet(
                new BlsKeySetAggregateInput(set, t.signers(), t.message(), t.signature())));
    }

    @Test
    void aBadKeyIsRefusedAtConstructionNamingItsIndex() {
        Random rnd = new Random(SEED + 1);
        byte[] infinity = new byte[48];
        infinity[0] = (byte) 0xc0;
        byte[] notInG1 = outsideG1(rnd);
        byte[] noFlag = pks.get(2).clone();
        noFlag[0] &= 0x7f;
        Object[][] bad = {{infinity, "infinity"}, {notInG1, "subgroup"}, {Arrays.copyOf(pks.get(2), 47), "48 bytes"},
                {noFlag, "compression flag"}, {null, "null"}};
        for (Object[] b : bad) {
            List<byte[]> keys = new ArrayList<>(pks.subList(0, 5));
            keys.set(3, (byte[]) b[0]);
            assertThatThrownBy(() -> BlsKeySet.decode(keys)).as((String) b[1]).isInstanceOf(BlsEncodingException.class)
                    .hasMessageContaining("public key 3 of 5").hasMessageContaining((String) b[1]);
        }
        assertThatThrownBy(() -> BlsKeySet.of(Arrays.asList(set.get(0), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("public key 1 of 2");
    }

    private static byte[] outsideG1(Random rnd) {
        while (true) {
            byte[] b = new byte[48];
            rnd.nextBytes(b);
            b[0] = (byte) (0x80 | (b[0] & 0x1f));
            try {
                if (!new P1_Affine(b).in_group()) {
                    return b;
                }
            } catch (RuntimeException notOnTheCurve) {
                // next x
            }
        }
    }

    @Test
    void theSetKeepsTheValidatedKeysAndTheInputKeepsItsOwnBitmap() {
        assertThat(set.size()).isEqualTo(KEYS);
        for (int i = 0; i < KEYS; i++) {
            assertThat(set.publicKey(i)).isEqualTo(pks.get(i));
            assertThat(set.get(i)).isEqualTo(BlsPublicKey.decode(pks.get(i)));
        }
        byte[] copy = set.publicKey(1);
        copy[5] ^= 1;
        assertThat(set.publicKey(1)).as("bytes handed out are copies").isEqualTo(pks.get(1));
        assertThat(BlsKeySet.of(List.of(set.get(0), set.get(1))).publicKey(1)).isEqualTo(pks.get(1));

        BitSet who = new BitSet();
        who.set(0, 5);
        byte[] sig = aggregate(0, who);
        BlsKeySetAggregateInput in = new BlsKeySetAggregateInput(set, who, messages[0], sig);
        who.clear(4); // the caller's later change does not reach the input
        in.signers().clear(3); // nor does a change to what the accessor returns
        assertThat(in.signerCount()).isEqualTo(5);
        assertThat(new CpuBackend().blsFastAggregateVerifySet(in)).isTrue();
        assertThatThrownBy(() -> set.select(new BitSet())).isInstanceOf(IllegalArgumentException.class);
        assertThat(set.selects(null)).isFalse();
    }
}
