package io.backplane.accel.bls;

import io.backplane.accel.opencl.bls.BlsG1OpenCl;
import io.backplane.accel.opencl.bls.BlsG2OpenCl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.backplane.accel.opencl.OpenClRuntime;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import supranational.blst.P1;

/** The device's Fp arithmetic against BigInteger, and its G1 tree reduction against blst, on every OpenCL device. */
class BlsG1OpenClIT {
    private static final long SEED = Long.getLong("backplane.seed", 0xb15911L);
    private static final List<BlsG1OpenCl> DEVICES = new ArrayList<>();
    private final BlsCpu cpu = new BlsCpu();

    @BeforeAll
    static void open() {
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            DEVICES.add(BlsG1OpenCl.open(h, Path.of("target", "opencl-binaries")));
        }
    }

    @AfterAll
    static void close() {
        DEVICES.forEach(BlsG1OpenCl::close);
        DEVICES.clear();
    }

    private static List<BlsG1OpenCl> devices() {
        // JUnit's assumption, not AssertJ's: AssertJ's needs byte-buddy, 9 MB the device-check bundle cannot spare.
        assumeFalse(DEVICES.isEmpty(), () -> "no OpenCL device: "
                + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("none listed"));
        return DEVICES;
    }

    private static List<BigInteger> fieldValues(Random rnd, int n) {
        BigInteger p = BlsG1OpenCl.P;
        List<BigInteger> v = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, BigInteger.TWO, p.subtract(BigInteger.ONE),
                p.subtract(BigInteger.TWO), BigInteger.ONE.shiftLeft(380), BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE)));
        while (v.size() < n) {
            v.add(new BigInteger(381, rnd).mod(p));
        }
        return v;
    }

    @Test
    void fieldArithmeticEqualsBigInteger() {
        Random rnd = new Random(SEED);
        List<BigInteger> a = fieldValues(rnd, 512);
        List<BigInteger> b = new ArrayList<>(fieldValues(rnd, 512));
        java.util.Collections.shuffle(b, rnd);
        BigInteger p = BlsG1OpenCl.P;
        for (BlsG1OpenCl dev : devices()) {
            BigInteger[] prod = dev.multiply(a, b);
            BigInteger[] addSub = dev.addSub(a, b);
            for (int i = 0; i < a.size(); i++) {
                assertThat(prod[i]).as("seed %d: %s * %s", SEED, a.get(i), b.get(i)).isEqualTo(a.get(i).multiply(b.get(i)).mod(p));
                assertThat(addSub[i]).as("seed %d: %s + %s", SEED, a.get(i), b.get(i)).isEqualTo(a.get(i).add(b.get(i)).mod(p));
                assertThat(addSub[a.size() + i]).as("seed %d: %s - %s", SEED, a.get(i), b.get(i))
                        .isEqualTo(a.get(i).subtract(b.get(i)).mod(p));
            }
        }
    }

    @Test
    void aggregatedPublicKeysEqualBlstByteForByte() {
        Random rnd = new Random(SEED);
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            pool.add(BlsTestKeys.publicKey(BlsTestKeys.keyGen(ikm)));
        }
        List<List<byte[]>> sets = new ArrayList<>();
        for (int size : new int[] {1, 2, 3, 5, 8, 33, 100, 257}) {
            List<byte[]> s = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                s.add(pool.get(rnd.nextInt(pool.size()))); // repeats exercise the doubling case
            }
            sets.add(s);
        }
        sets.add(List.of(pool.get(0), pool.get(0))); // P + P
        byte[] neg = new P1(BlsPublicKey.decode(pool.get(1)).point).neg().compress();
        sets.add(List.of(pool.get(1), neg)); // P + (-P): the point at infinity
        sets.add(List.of(pool.get(1), pool.get(2), neg, pool.get(3)));
        for (BlsG1OpenCl dev : devices()) {
            for (List<byte[]> s : sets) {
                byte[] want = cpu.aggregatePublicKeys(s).orElseThrow();
                List<BlsPublicKey> decoded = s.stream().map(BlsPublicKey::decode).toList();
                assertThat(cpu.aggregateValidatedPublicKeys(decoded)).isEqualTo(want);
                byte[] got = dev.aggregatePublicKeys(decoded);
                assertThat(got).as("seed %d, %d keys on %s", SEED, s.size(), dev.device().describe()).isEqualTo(want);
            }
            assertThatThrownBy(() -> dev.aggregatePublicKeys(List.of())).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void decodesExactlyTheKeysBlstAccepts() {
        Random rnd = new Random(SEED);
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] pk = BlsTestKeys.publicKey(BlsTestKeys.keyGen(ikm));
            inputs.add(pk);
            inputs.add(new P1(BlsPublicKey.decode(pk).point).neg().compress()); // the other sign of y
        }
        for (int i = 0; i < 160; i++) { // random x: off the curve, or on it and (almost surely) outside G1
            byte[] b = new byte[48];
            rnd.nextBytes(b);
            b[0] = (byte) (0x80 | (b[0] & 0x3f));
            if (i % 16 == 0) {
                b[0] |= 0x1f; // x above p
            }
            inputs.add(b);
        }
        for (String dir : List.of("v0.1.2", "master-unreleased")) {
            for (Path f : io.backplane.accel.Vectors.jsonFiles(io.backplane.accel.Vectors.root()
                    .resolve("bls12-381-tests").resolve(dir).resolve("deserialization_G1"))) {
                inputs.add(io.backplane.accel.Vectors.hex(io.backplane.accel.Vectors.json(f).get("input").get("pubkey").asText()));
            }
        }
        inputs.add(null);
        int accepted = 0;
        for (BlsG1OpenCl dev : devices()) {
            BlsPublicKey[] got = dev.decodePublicKeys(inputs);
            for (int i = 0; i < inputs.size(); i++) {
                BlsPublicKey want;
                try {
                    want = BlsPublicKey.decode(inputs.get(i));
                } catch (BlsEncodingException e) {
                    want = null;
                }
                String what = "seed " + SEED + " input " + i + " "
                        + (inputs.get(i) == null ? "null" : java.util.HexFormat.of().formatHex(inputs.get(i)));
                if (want == null) {
                    assertThat(got[i]).as(what).isNull();
                } else {
                    assertThat(got[i]).as(what).isNotNull();
                    assertThat(got[i].point.serialize()).as(what).isEqualTo(want.point.serialize());
                    assertThat(got[i].point.compress()).as(what).isEqualTo(inputs.get(i));
                    accepted++;
                }
            }
        }
        // 48 keys, their 48 negations and the vectors' deserialization_succeeds_correct_point
        assertThat(accepted).as("valid keys accepted").isEqualTo(97 * devices().size());
    }

    @Test
    void aggregatesFromBytesLikeTheSpec() {
        Random rnd = new Random(SEED + 1);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            keys.add(BlsTestKeys.publicKey(BlsTestKeys.keyGen(ikm)));
        }
        byte[] infinity = new byte[48];
        infinity[0] = (byte) 0xc0;
        List<byte[]> withInfinity = new ArrayList<>(keys);
        withInfinity.add(infinity);
        for (BlsG1OpenCl dev : devices()) {
            assertThat(dev.aggregatePublicKeysFromBytes(keys)).get().isEqualTo(cpu.aggregatePublicKeys(keys).orElseThrow());
            assertThat(dev.aggregatePublicKeysFromBytes(withInfinity)).isEmpty();
            assertThat(cpu.aggregatePublicKeys(withInfinity)).isEmpty();
            assertThat(dev.aggregatePublicKeysFromBytes(List.of())).isEmpty();
        }
    }
}
