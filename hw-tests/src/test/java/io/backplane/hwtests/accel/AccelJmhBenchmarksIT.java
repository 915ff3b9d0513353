package io.backplane.hwtests.accel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default-suite check of the JMH benchmarks: every benchmark method runs once, directly (no JMH harness), with
 * tiny parameters, on the CPU backend and on OpenCL device 0 where there is one, and its returned answer is checked
 * (against the JDK's SHA-256 and the benchmark inputs being valid, and against the CPU path), so a benchmark that
 * computes nothing, or the wrong thing, fails here before anyone reads its figures. It measures nothing.
 */
class AccelJmhBenchmarksIT {
    private final AccelJmhBenchmarks bench = new AccelJmhBenchmarks();
    private final CpuBackend cpu = new CpuBackend();

    private static AccelJmhBenchmarks.Backend open(String backend) {
        if (backend.equals("opencl")) {
            assumeTrue(OpenClRuntime.isAvailable(), () -> "no OpenCL device: "
                    + OpenClRuntime.unavailabilityCause().map(Throwable::toString).orElse("none listed"));
        }
        AccelJmhBenchmarks.Backend b = new AccelJmhBenchmarks.Backend();
        b.backend = backend;
        b.open();
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    @SuppressWarnings("unchecked")
    void sha256AndMerkleBenchmarksReturnTheDigests(String backend) throws Exception {
        AccelJmhBenchmarks.Backend b = open(backend);
        try {
            AccelJmhBenchmarks.ShaInput sha = new AccelJmhBenchmarks.ShaInput();
            sha.batch = 16;
            sha.make();
            List<byte[]> msgs = (List<byte[]>) sha.input;
            List<byte[]> digests = (List<byte[]>) bench.sha256Batch(b, sha);
            assertThat(digests).hasSize(16);
            for (int i = 0; i < msgs.size(); i++) {
                assertThat(digests.get(i)).as("message %d on %s", i, backend)
                        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(msgs.get(i)));
            }
            AccelJmhBenchmarks.MerkleInput merkle = new AccelJmhBenchmarks.MerkleInput();
            merkle.leaves = 256;
            merkle.make();
            assertThat((byte[]) bench.merkleRoot(b, merkle)).as(backend).hasSize(32)
                    .isEqualTo(cpu.merkleRoot((List<byte[]>) merkle.input));
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    void vdfBenchmarkVerifiesItsValidProofs(String backend) {
        AccelJmhBenchmarks.Backend b = open(backend);
        try {
            AccelJmhBenchmarks.VdfInput vdf = new AccelJmhBenchmarks.VdfInput();
            vdf.proofs = 2;
            vdf.make();
            assertThat((boolean[]) bench.vdfVerifyBatch(b, vdf)).as(backend).containsExactly(true, true);
        } finally {
            b.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "opencl"})
    @SuppressWarnings("unchecked")
    void signatureBenchmarksReturnTheCpuPathsAnswers(String backend) {
        AccelJmhBenchmarks.Backend b = open(backend);
        try {
            for (String op : List.of("ed25519-verify", "bls-aggregate-pubkeys", "bls-aggregate", "bls-batch-verify")) {
                AccelJmhBenchmarks.SignatureInput in = new AccelJmhBenchmarks.SignatureInput();
                in.op = op;
                in.batch = 3;
                in.make();
                Object got = bench.signatureBatch(b, in);
                switch (op) {
                    case "ed25519-verify" -> assertThat((boolean[]) got).as(op).containsExactly(true, true, true);
                    case "bls-batch-verify" -> assertThat((boolean[]) got).as(op).containsExactly(true, true, true);
                    case "bls-aggregate" -> assertThat((Optional<byte[]>) got).as(op)
                            .hasValueSatisfying(v -> assertThat(v).isEqualTo(cpu.blsAggregateSignatures((List<byte[]>) in.input).orElseThrow()));
                    default -> assertThat((Optional<byte[]>) got).as(op)
                            .hasValueSatisfying(v -> assertThat(v).isEqualTo(cpu.blsAggregatePublicKeys((List<byte[]>) in.input).orElseThrow()));
                }
            }
        } finally {
            b.close();
        }
    }
}
