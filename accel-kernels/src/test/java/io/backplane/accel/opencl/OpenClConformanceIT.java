package io.backplane.accel.opencl;

import static io.backplane.accel.TestVectors.HEX;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.TestVectors;
import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.vdf.Rsa2048;
import io.backplane.accel.vdf.Wesolowski;
import java.math.BigInteger;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every kernel against the CPU path, on every OpenCL device present (PoCL on CI). */
class OpenClConformanceIT {
    private final CpuBackend cpu = new CpuBackend();

    static Stream<OpenClRuntime.Handle> devices() {
        TestDevices.assumeDevice();
        return TestDevices.handles().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sha256MatchesCpuOnBoundaryAndRandomLengths(OpenClRuntime.Handle h) {
        long seed = 4242;
        Random rnd = new Random(seed);
        List<byte[]> msgs = new ArrayList<>();
        for (int len : new int[]{0, 1, 3, 54, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 1000, 70_000}) {
            msgs.add(random(rnd, len));
        }
        for (int i = 0; i < 300; i++) {
            msgs.add(random(rnd, rnd.nextInt(300)));
        }
        List<byte[]> dev = TestDevices.shared(h).sha256Batch(msgs);
        List<byte[]> ref = cpu.sha256Batch(msgs);
        for (int i = 0; i < msgs.size(); i++) {
            assertThat(dev.get(i)).as("message %d (%d bytes) seed %d", i, msgs.get(i).length, seed).isEqualTo(ref.get(i));
        }
        assertThat(TestDevices.shared(h).sha256Batch(List.of())).isEmpty();
        assertThat(TestDevices.shared(h).sha256Batch(List.of(new byte[2 << 20])).get(0)).as("a 2 MiB message")
                .isEqualTo(cpu.sha256Batch(List.of(new byte[2 << 20])).get(0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void sha256MatchesNistVectors(OpenClRuntime.Handle h) {
        List<TestVectors.ShaCase> cases = new ArrayList<>(TestVectors.shavs("SHA256ShortMsg.rsp"));
        cases.addAll(TestVectors.shavs("SHA256LongMsg.rsp"));
        List<byte[]> dev = TestDevices.shared(h).sha256Batch(cases.stream().map(TestVectors.ShaCase::msg).toList());
        for (int i = 0; i < cases.size(); i++) {
            assertThat(dev.get(i)).as("case %d", i).isEqualTo(cases.get(i).md());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void merkleRootMatchesCpuForEdgeCaseTreeSizes(OpenClRuntime.Handle h) {
        long seed = 6962;
        Random rnd = new Random(seed);
        for (int n : new int[]{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1023, 1024, 1025, 100_003}) {
            List<byte[]> leaves = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                leaves.add(random(rnd, rnd.nextInt(70)));
            }
            assertThat(TestDevices.shared(h).merkleRoot(leaves)).as("n=%d seed=%d", n, seed).isEqualTo(cpu.merkleRoot(leaves));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void merkleRootOfMillionsOfLeavesMatchesCpu(OpenClRuntime.Handle h) {
        List<byte[]> leaves = TestVectors.millionsOfLeaves();
        assertThat(TestDevices.shared(h).merkleRoot(leaves)).as("2^21 + 1 leaves").isEqualTo(cpu.merkleRoot(leaves));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void merkleRootMatchesRfc6962Vectors(OpenClRuntime.Handle h) {
        for (JsonNode c : TestVectors.json("backplane/merkle-rfc6962.json").get("cases")) {
            List<byte[]> leaves = new ArrayList<>();
            c.get("leaves").forEach(l -> leaves.add(HEX.parseHex(l.asText())));
            assertThat(HEX.formatHex(TestDevices.shared(h).merkleRoot(leaves))).as("%d leaves", leaves.size())
                    .isEqualTo(c.get("root").asText());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void vdfVerifyMatchesCpuOnGoldenAndRandomProofs(OpenClRuntime.Handle h) {
        List<VdfProof> proofs = new ArrayList<>();
        for (JsonNode c : TestVectors.json("backplane/vdf-wesolowski-rsa2048.json").get("cases")) {
            proofs.add(new VdfProof(HEX.parseHex(c.get("x").asText()), HEX.parseHex(c.get("y").asText()),
                    HEX.parseHex(c.get("proof").asText()), c.get("t").asLong()));
        }
        long seed = 99;
        Random rnd = new Random(seed);
        for (int i = 0; i < 6; i++) {
            byte[] x = Wesolowski.toBytes(Wesolowski.canon(new BigInteger(2047, rnd).add(BigInteger.TWO)));
            long t = 1 + rnd.nextInt(200);
            VdfOutput out = Wesolowski.evaluate(x, t);
            proofs.add(new VdfProof(x, out.y(), out.proof(), t));
            proofs.add(new VdfProof(x, out.y(), out.proof(), t + 1));
            // Elements near N (large limbs everywhere) exercise every carry of the Montgomery product.
            byte[] big = Wesolowski.toBytes(Rsa2048.N.shiftRight(1).subtract(BigInteger.valueOf(i)));
            proofs.add(new VdfProof(big, out.y(), big, t));
        }
        boolean[] dev = TestDevices.shared(h).vdfVerifyBatch(proofs);
        boolean[] ref = cpu.vdfVerifyBatch(proofs);
        assertThat(dev).as("seed %d", seed).isEqualTo(ref);
        assertThat(ref).contains(true, false);
    }

    @Test
    void aSecondOpenLoadsKernelsFromTheProgramCache() throws Exception {
        TestDevices.assumeDevice();
        ProgramCache cache = new ProgramCache(TestDevices.CACHE);
        try (OpenClBackend b = OpenClBackend.open(TestDevices.handles().get(0), cache)) {
            assertThat(b.sha256Batch(List.of(new byte[3])).get(0)).isEqualTo(cpu.sha256Batch(List.of(new byte[3])).get(0));
        }
        // sha256.cl, vdf_verify.cl, ed25519.cl, bls12_381_g1.cl and g1+g2: one shared cache for every kernel family.
        assertThat(cache.hits() + cache.builds()).isEqualTo(5);
        ProgramCache again = new ProgramCache(TestDevices.CACHE);
        try (OpenClBackend b = OpenClBackend.open(TestDevices.handles().get(0), again)) {
            assertThat(again.hits()).as("every program comes from disk").isEqualTo(5);
            assertThat(again.builds()).isZero();
        }
        try (Stream<java.nio.file.Path> files = Files.list(TestDevices.CACHE)) {
            assertThat(files.filter(p -> p.toString().endsWith(".bin"))).hasSizeGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void aDamagedCachedBinaryIsRebuiltFromSource() throws Exception {
        TestDevices.assumeDevice();
        java.nio.file.Path dir = TestDevices.CACHE.resolveSibling("opencl-cache-damaged");
        ProgramCache first = new ProgramCache(dir);
        OpenClBackend.open(TestDevices.handles().get(0), first).close();
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            for (java.nio.file.Path p : files.toList()) {
                Files.write(p, new byte[]{1, 2, 3});
            }
        }
        ProgramCache second = new ProgramCache(dir);
        try (OpenClBackend b = OpenClBackend.open(TestDevices.handles().get(0), second)) {
            assertThat(second.builds()).isEqualTo(5);
            assertThat(b.merkleRoot(List.of(new byte[0]))).isEqualTo(cpu.merkleRoot(List.of(new byte[0])));
        }
    }

    private static byte[] random(Random rnd, int len) {
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        return b;
    }
}
