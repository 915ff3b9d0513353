package io.backplane.hwtests.accel;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.bench.AccelBenchmark;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.accel.opencl.OpenClBackend;
import io.backplane.accel.opencl.OpenClRuntime;
import io.backplane.accel.opencl.ProgramCache;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One batch call per invocation, on the CPU backend and on OpenCL device 0 (PoCL here), with the same seeded inputs
 * as {@code backplane bench}. Each benchmark returns the backend's answer, which JMH consumes, so the call is never
 * dead code. Run through {@link AccelJmhLauncherTest} ({@code -Dbackplane.jmh=true}); {@link AccelJmhBenchmarksIT}
 * runs each method once with tiny inputs in the default suite and checks its answer against the CPU path.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AccelJmhBenchmarks {

    /** The backend under test, opened once per trial. */
    @State(Scope.Benchmark)
    public static class Backend {
        @Param({"cpu", "opencl"})
        public String backend;

        AccelBackend impl;

        @Setup(Level.Trial)
        public void open() {
            if (backend.equals("cpu")) {
                impl = new CpuBackend();
            } else {
                if (!OpenClRuntime.isAvailable()) {
                    throw new IllegalStateException("no OpenCL device: " + OpenClRuntime.unavailabilityCause().orElseThrow());
                }
                impl = OpenClBackend.open(OpenClRuntime.handles().get(0), new ProgramCache(Path.of("target", "opencl-cache")));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            impl.close();
        }
    }

    /** SHA-256 of 64-byte messages. */
    @State(Scope.Benchmark)
    public static class ShaInput {
        @Param({"16", "4096", "65536"})
        public int batch;
        Object input;

        @Setup(Level.Trial)
        public void make() {
            input = AccelBenchmark.sha256().input().apply(batch);
        }
    }

    /** Merkle trees of 32-byte leaves. */
    @State(Scope.Benchmark)
    public static class MerkleInput {
        @Param({"256", "65536", "1048576"})
        public int leaves;
        Object input;

        @Setup(Level.Trial)
        public void make() {
            input = AccelBenchmark.merkle().input().apply(leaves);
        }
    }

    /** Valid Wesolowski proofs with T = 1024. */
    @State(Scope.Benchmark)
    public static class VdfInput {
        @Param({"1", "16", "64"})
        public int proofs;
        Object input;

        @Setup(Level.Trial)
        public void make() {
            input = AccelBenchmark.vdfVerify().input().apply(proofs);
        }
    }

    /** The issue-7 signature operations, by their bench/AccelOp name. */
    @State(Scope.Benchmark)
    public static class SignatureInput {
        @Param({"ed25519-verify", "bls-aggregate-pubkeys", "bls-aggregate", "bls-batch-verify"})
        public String op;
        @Param({"1", "100", "1000"})
        public int batch;
        AccelBenchmark.Op bench;
        Object input;

        @Setup(Level.Trial)
        public void make() {
            bench = AccelBenchmark.all().stream().filter(o -> o.name().equals(op)).findFirst().orElseThrow();
            input = bench.input().apply(batch);
        }
    }

    @Benchmark
    public Object signatureBatch(Backend b, SignatureInput in) {
        return in.bench.runner().run(b.impl, in.input);
    }

    @Benchmark
    public Object sha256Batch(Backend b, ShaInput in) {
        return AccelBenchmark.sha256().runner().run(b.impl, in.input);
    }

    @Benchmark
    public Object merkleRoot(Backend b, MerkleInput in) {
        return AccelBenchmark.merkle().runner().run(b.impl, in.input);
    }

    @Benchmark
    public Object vdfVerifyBatch(Backend b, VdfInput in) {
        return AccelBenchmark.vdfVerify().runner().run(b.impl, in.input);
    }
}
