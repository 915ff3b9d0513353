package io.backplane.accel.ed25519;

import io.backplane.accel.opencl.ed25519.Ed25519OpenCl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.backplane.accel.opencl.OpenClRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenCL kernel against the CPU path (Bouncy Castle) on every OpenCL device present: every vector, and seeded
 * random batches with forgeries, mismatches, swaps and malformed encodings mixed in: the issue's
 * {@value #RANDOM} random items, answered by the CPU path and by every device, in the default suite.
 */
class Ed25519OpenClIT {
    static final int RANDOM = 100_000;
    private static final long SEED = Long.getLong("backplane.seed", 0x0c1ed255L);
    /** Compiled kernels are cached under target/, keyed by device, driver and source hash. */
    static final Path BINARY_CACHE = Path.of("target", "opencl-binaries");

    private static final List<Ed25519OpenCl> DEVICES = new ArrayList<>();
    private final Ed25519Cpu cpu = new Ed25519Cpu();

    @BeforeAll
    static void openEveryDevice() {
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            DEVICES.add(Ed25519OpenCl.open(h, BINARY_CACHE));
        }
    }

    @AfterAll
    static void closeDevices() {
        DEVICES.forEach(Ed25519OpenCl::close);
        DEVICES.clear();
    }

    private static List<Ed25519OpenCl> devices() {
        // JUnit's assumption, not AssertJ's: AssertJ's needs byte-buddy, 9 MB the device-check bundle cannot spare.
        assumeFalse(DEVICES.isEmpty(), () -> "no OpenCL device: "
                + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("none listed"));
        return DEVICES;
    }

    @Test
    void agreesWithTheCpuPathOnEveryVector() {
        List<Ed25519VectorCases> cases = Ed25519VectorCases.all();
        List<Ed25519Item> items = cases.stream().map(Ed25519VectorCases::item).toList();
        for (Ed25519OpenCl dev : devices()) {
            boolean[] got = dev.verifyBatch(items);
            for (int i = 0; i < items.size(); i++) {
                assertThat(got[i]).as("%s on %s", cases.get(i).name(), dev.device().describe())
                        .isEqualTo(cases.get(i).expected()).isEqualTo(cpu.verify(items.get(i)));
            }
        }
    }

    @Test
    void agreesWithTheCpuPathOnSeededRandomBatches() {
        int n = RANDOM;
        List<Ed25519Item> items = Ed25519RandomItems.mixed(new Random(SEED), n);
        boolean[] want = cpu.verifyBatch(items);
        int valid = 0;
        for (boolean w : want) {
            valid += w ? 1 : 0;
        }
        // 3 of the 12 mix cases leave an item untouched (valid), the other 9 spoil it: about a quarter are valid.
        assertThat(valid).as("seed %d: valid items among %d", SEED, n).isBetween(n / 6, n / 3);
        for (Ed25519OpenCl dev : devices()) {
            boolean[] got = dev.verifyBatch(items);
            for (int i = 0; i < n; i++) {
                if (got[i] != want[i]) {
                    Ed25519Item it = items.get(i);
                    throw new AssertionError("seed " + SEED + " item " + i + " on " + dev.device().describe() + ": device "
                            + got[i] + ", CPU " + want[i] + " pk=" + java.util.HexFormat.of().formatHex(it.publicKey())
                            + " sig=" + java.util.HexFormat.of().formatHex(it.signature()));
                }
            }
        }
    }

    @Test
    void malformedItemsAreFalseWithoutFailingTheBatch() {
        byte[] seed = new byte[32];
        byte[] pk = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
        byte[] sig = new byte[64];
        byte[] msg = new byte[200]; // crosses a SHA-512 block boundary with R and A
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, msg, 0, msg.length, sig, 0);
        List<Ed25519Item> items = Arrays.asList(new Ed25519Item(pk, msg, sig), null, new Ed25519Item(pk, null, sig),
                new Ed25519Item(Arrays.copyOf(pk, 31), msg, sig), new Ed25519Item(pk, msg, Arrays.copyOf(sig, 63)),
                new Ed25519Item(pk, msg, sig));
        for (Ed25519OpenCl dev : devices()) {
            assertThat(dev.verifyBatch(items)).containsExactly(true, false, false, false, false, true);
            assertThat(dev.verifyBatch(List.of())).isEmpty();
        }
    }

    @Test
    void everyMessageLengthAroundTheHashBlocksAgrees() {
        Random rnd = new Random(SEED);
        byte[] seed = new byte[32];
        rnd.nextBytes(seed);
        byte[] pk = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
        List<Ed25519Item> items = new ArrayList<>();
        for (int len = 0; len <= 300; len++) {
            byte[] msg = new byte[len];
            rnd.nextBytes(msg);
            byte[] sig = new byte[64];
            org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, msg, 0, len, sig, 0);
            items.add(new Ed25519Item(pk, msg, sig));
        }
        for (Ed25519OpenCl dev : devices()) {
            boolean[] got = dev.verifyBatch(items);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).as("message length %d on %s", i, dev.device().describe()).isTrue();
            }
        }
    }
}
