package io.backplane.accel.bls;

import io.backplane.accel.opencl.bls.BlsG1OpenCl;
import io.backplane.accel.opencl.bls.BlsG2OpenCl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.Vectors;
import io.backplane.accel.opencl.OpenClRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device's G2 signature decoding (square root in Fp2, sign, subgroup check) and tree sum against blst, on every
 * OpenCL device: statuses agree signature by signature, aggregates are equal byte for byte.
 */
class BlsG2OpenClIT {
    private static final long SEED = Long.getLong("backplane.seed", 0x62f2L);
    private static final List<BlsG2OpenCl> DEVICES = new ArrayList<>();
    private static final BlsCpu CPU = new BlsCpu();

    @BeforeAll
    static void open() {
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            DEVICES.add(BlsG2OpenCl.open(h, Path.of("target", "opencl-binaries")));
        }
    }

    @AfterAll
    static void close() {
        DEVICES.forEach(BlsG2OpenCl::close);
        DEVICES.clear();
    }

    private static List<BlsG2OpenCl> devices() {
        // JUnit's assumption, not AssertJ's: AssertJ's needs byte-buddy, 9 MB the device-check bundle cannot spare.
        assumeFalse(DEVICES.isEmpty(), () -> "no OpenCL device: "
                + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("none listed"));
        return DEVICES;
    }

    private static List<byte[]> signatures(Random rnd, int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] msg = new byte[1 + rnd.nextInt(40)];
            rnd.nextBytes(msg);
            out.add(BlsTestKeys.sign(BlsTestKeys.keyGen(ikm), msg));
        }
        return out;
    }

    /** The same point negated: the sign flag flipped (never the infinity encoding). */
    private static byte[] negate(byte[] sig) {
        byte[] n = sig.clone();
        n[0] ^= 0x20;
        return n;
    }

    private static boolean blstAccepts(byte[] sig) {
        try {
            BlsSignature.decode(sig);
            return true;
        } catch (BlsEncodingException e) {
            return false;
        }
    }

    @Test
    void decodingAgreesWithBlstSignatureBySignature() {
        Random rnd = new Random(SEED);
        List<byte[]> cases = new ArrayList<>();
        for (byte[] s : signatures(rnd, 12)) {
            cases.add(s);
            cases.add(negate(s));
        }
        for (int i = 0; i < 48; i++) { // random x: mostly off the curve, the rest outside G2
            byte[] b = new byte[96];
            rnd.nextBytes(b);
            b[0] = (byte) ((b[0] & 0x3f) | 0x80);
            b[0] &= 0x9f; // x.c1 below 2^381 > p sometimes: both flags and range get exercised
            cases.add(b);
        }
        byte[] inf = new byte[96];
        inf[0] = (byte) 0xc0;
        cases.add(inf);
        for (Path f : Vectors.jsonFiles(Vectors.root().resolve("bls12-381-tests/v0.1.2/deserialization_G2"))) {
            cases.add(Vectors.hex(Vectors.json(f).get("input").get("signature").asText()));
        }
        for (Path f : Vectors.jsonFiles(Vectors.root().resolve("bls12-381-tests/master-unreleased/deserialization_G2"))) {
            cases.add(Vectors.hex(Vectors.json(f).get("input").get("signature").asText()));
        }
        int accepted = 0;
        int notInGroup = 0;
        for (BlsG2OpenCl dev : devices()) {
            int[] status = dev.decodeStatuses(cases);
            for (int i = 0; i < cases.size(); i++) {
                boolean deviceAccepts = status[i] == 0 || status[i] == 1;
                assertThat(deviceAccepts).as("seed %d, case %d (status %d)", SEED, i, status[i]).isEqualTo(blstAccepts(cases.get(i)));
                accepted += deviceAccepts ? 1 : 0;
                notInGroup += status[i] == 4 ? 1 : 0;
            }
        }
        assertThat(accepted).as("valid signatures, their negations, infinity, the vector's good points").isGreaterThanOrEqualTo(26);
        assertThat(notInGroup).as("on-curve points outside G2 are caught by the subgroup check").isPositive();
    }

    @Test
    void aggregatesEqualBlstByteForByte() {
        Random rnd = new Random(SEED + 1);
        List<byte[]> pool = signatures(rnd, 40);
        byte[] inf = new byte[96];
        inf[0] = (byte) 0xc0;
        List<List<byte[]>> batches = new ArrayList<>();
        for (int n : new int[]{1, 2, 3, 16, 17, 40}) {
            batches.add(pool.subList(0, n));
        }
        batches.add(List.of(pool.get(0), pool.get(0)));                         // doubling
        batches.add(List.of(pool.get(1), negate(pool.get(1))));                 // cancels to infinity
        batches.add(List.of(pool.get(2), negate(pool.get(2)), pool.get(3)));     // cancels mid-tree
        batches.add(List.of(inf, pool.get(4)));                                  // infinity adds as the identity
        batches.add(List.of(inf));
        List<byte[]> bad = new ArrayList<>(pool.subList(0, 5));
        byte[] offCurve = pool.get(5).clone();
        offCurve[95] ^= 1;
        bad.add(offCurve);
        batches.add(bad);
        batches.add(List.of(Arrays.copyOf(pool.get(6), 95)));
        batches.add(List.of());
        for (Path f : Vectors.jsonFiles(Vectors.root().resolve("bls12-381-tests/v0.1.2/aggregate"))) {
            JsonNode in = Vectors.json(f).get("input");
            List<byte[]> sigs = new ArrayList<>();
            in.forEach(s -> sigs.add(Vectors.hex(s.asText())));
            batches.add(sigs);
        }
        for (BlsG2OpenCl dev : devices()) {
            for (int k = 0; k < batches.size(); k++) {
                Optional<byte[]> expected = CPU.aggregateSignatures(batches.get(k));
                Optional<byte[]> got = dev.aggregateSignatures(batches.get(k));
                assertThat(got.isPresent()).as("seed %d, batch %d", SEED, k).isEqualTo(expected.isPresent());
                if (expected.isPresent()) {
                    assertThat(got.get()).as("seed %d, batch %d", SEED, k).isEqualTo(expected.get());
                }
            }
        }
    }

    private static List<BlsSignatureSet> triples(Random rnd, int n) {
        List<BlsSignatureSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] sk = BlsTestKeys.keyGen(ikm);
            byte[] msg = new byte[1 + rnd.nextInt(40)];
            rnd.nextBytes(msg);
            out.add(new BlsSignatureSet(BlsTestKeys.publicKey(sk), msg, BlsTestKeys.sign(sk, msg)));
        }
        return out;
    }

    @Test
    void deviceScalarMultiplicationsEqualBlst() {
        Random rnd = new Random(SEED + 2);
        List<BlsSignatureSet> sets = new ArrayList<>(triples(rnd, 14));
        byte[] inf48 = new byte[48];
        inf48[0] = (byte) 0xc0;
        byte[] inf96 = new byte[96];
        inf96[0] = (byte) 0xc0;
        sets.add(new BlsSignatureSet(inf48, new byte[1], sets.get(0).signature()));               // infinity key: dead
        sets.add(new BlsSignatureSet(sets.get(1).publicKey(), new byte[1], inf96));               // infinity signature: live
        sets.add(new BlsSignatureSet(sets.get(2).publicKey(), null, sets.get(2).signature()));    // no message: dead
        sets.add(new BlsSignatureSet(sets.get(3).publicKey(), new byte[1], Arrays.copyOf(sets.get(3).signature(), 95)));
        long[] r = new long[sets.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = rnd.nextLong();
        }
        r[0] = 1;
        r[1] = -1L;              // 2^64 - 1
        r[2] = Long.MIN_VALUE;   // 2^63
        for (BlsG2OpenCl dev : devices()) {
            byte[][] got = dev.scaled(sets, r);
            supranational.blst.P2 sigma = null;
            for (int i = 0; i < sets.size(); i++) {
                BlsSignatureSet s = sets.get(i);
                boolean live = s.message() != null && blstAcceptsKey(s.publicKey()) && blstAccepts(s.signature());
                if (!live) {
                    assertThat(got[i]).as("dead triple %d", i).isNull();
                    continue;
                }
                java.math.BigInteger k = new java.math.BigInteger(Long.toUnsignedString(r[i]));
                byte[] expected = new supranational.blst.P1(BlsPublicKey.decode(s.publicKey()).point).mult(k).compress();
                assertThat(got[i]).as("seed %d: r%d * pk%d", SEED, i, i).isEqualTo(expected);
                supranational.blst.P2 term = new supranational.blst.P2(BlsSignature.decode(s.signature()).point).mult(k);
                sigma = sigma == null ? term : sigma.add(term);
            }
            assertThat(got[sets.size()]).as("seed %d: sum of r_i * sig_i", SEED).isEqualTo(sigma.compress());
        }
    }

    private static boolean blstAcceptsKey(byte[] pk) {
        try {
            BlsPublicKey.decode(pk);
            return true;
        } catch (BlsEncodingException e) {
            return false;
        }
    }

    @Test
    void deviceBatchVerifyAnswersEqualVerifyTripleByTriple() throws Exception {
        Random rnd = new Random(SEED + 3);
        java.security.SecureRandom scalars = java.security.SecureRandom.getInstance("SHA1PRNG");
        scalars.setSeed(SEED); // seeded for the test only: the node draws them from a fresh SecureRandom
        List<BlsSignatureSet> honest = triples(rnd, 12);
        List<BlsSignatureSet> mixed = new ArrayList<>(honest);
        mixed.set(2, new BlsSignatureSet(honest.get(2).publicKey(), honest.get(2).message(), honest.get(3).signature())); // forged
        mixed.set(5, new BlsSignatureSet(honest.get(5).publicKey(), new byte[]{9}, honest.get(5).signature()));       // wrong message
        mixed.set(7, new BlsSignatureSet(new byte[48], honest.get(7).message(), honest.get(7).signature()));           // malformed key
        for (BlsG2OpenCl dev : devices()) {
            long before = dev.cpuBisections();
            assertThat(dev.batchVerify(honest, scalars, CPU)).as("seed %d", SEED).containsOnly(true).hasSize(12);
            assertThat(dev.cpuBisections()).as("an honest batch is settled by the device's combination").isEqualTo(before);
            boolean[] got = dev.batchVerify(mixed, scalars, CPU);
            for (int i = 0; i < mixed.size(); i++) {
                BlsSignatureSet s = mixed.get(i);
                assertThat(got[i]).as("seed %d, triple %d", SEED, i).isEqualTo(CPU.verify(s.publicKey(), s.message(), s.signature()));
            }
            assertThat(dev.cpuBisections()).as("a forged batch goes to the CPU's bisection").isEqualTo(before + 1);
            // Only malformed entries: nothing is live, every answer is false without a pairing.
            assertThat(dev.batchVerify(List.of(mixed.get(7)), scalars, CPU)).containsExactly(false);
        }
    }
}
