package io.backplane.accel.bench;

import io.backplane.accel.bls.BlsTestKeys;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.opencl.bls.BlsG1OpenCl;
import io.backplane.accel.bls.BlsPublicKey;
import io.backplane.accel.bls.BlsSignature;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Cpu;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.opencl.ed25519.Ed25519OpenCl;
import io.backplane.accel.opencl.OpenClRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Throughput figures for the report, not a test (nothing asserts on time): Ed25519 batch verification on the CPU path
 * and on every OpenCL device at several batch sizes, and the unit costs of the BLS CPU path. Run it with
 * {@code scripts/...} or: {@code java -cp target/classes:target/test-classes:$(deps) io.backplane.accel.bench.CryptoThroughputBenchmark
 * [sizes [ed25519|bls]]} (see docs/bls-ed25519.md).
 * Wall-clock reads are fine here: this is measurement, not protocol logic.
 */
public final class CryptoThroughputBenchmark {
    private CryptoThroughputBenchmark() {
    }

    public static void main(String[] args) {
        int[] sizes = args.length > 0 ? Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 64, 1024, 8192};
        String only = args.length > 1 ? args[1] : "all";
        if (!only.equals("bls")) {
            ed25519(sizes);
        }
        if (!only.equals("ed25519")) {
            bls();
        }
    }

    private static List<Ed25519Item> validItems(int n) {
        Random rnd = new Random(1);
        byte[][] sks = new byte[64][32];
        byte[][] pks = new byte[64][32];
        for (int i = 0; i < 64; i++) {
            rnd.nextBytes(sks[i]);
            Ed25519.generatePublicKey(sks[i], 0, pks[i], 0);
        }
        List<Ed25519Item> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] msg = new byte[64];
            rnd.nextBytes(msg);
            byte[] sig = new byte[64];
            Ed25519.sign(sks[i % 64], 0, msg, 0, msg.length, sig, 0);
            out.add(new Ed25519Item(pks[i % 64], msg, sig));
        }
        return out;
    }

    /** Median seconds of {@code reps} runs after one warm-up. */
    private static double median(int reps, Runnable r) {
        r.run();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }

    private static void ed25519(int[] sizes) {
        Ed25519Cpu cpu = new Ed25519Cpu();
        List<Ed25519OpenCl> devs = new ArrayList<>();
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            long s = System.nanoTime();
            devs.add(Ed25519OpenCl.open(h, Path.of("target", "opencl-binaries")));
            System.out.printf("open %s: %.1f s (program build or cached binary)%n", h.device().describe(), (System.nanoTime() - s) / 1e9);
        }
        System.out.printf("%-10s %-40s %14s %14s%n", "batch", "backend", "items/s", "median ms");
        for (int n : sizes) {
            List<Ed25519Item> items = validItems(n);
            int reps = n <= 64 ? 21 : n <= 1024 ? 7 : 3;
            double c = median(reps, () -> cpu.verifyBatch(items));
            System.out.printf("%-10d %-40s %14.0f %14.2f%n", n, "cpu (BC, " + Runtime.getRuntime().availableProcessors() + " threads)", n / c, c * 1e3);
            for (Ed25519OpenCl d : devs) {
                double g = median(reps, () -> d.verifyBatch(items));
                System.out.printf("%-10d %-40s %14.0f %14.2f  (ratio to cpu %.2f)%n", n, "opencl " + d.device().name(), n / g, g * 1e3, c / g);
            }
        }
        devs.forEach(Ed25519OpenCl::close);
    }

    private static void bls() {
        BlsCpu bls = new BlsCpu();
        Random rnd = new Random(2);
        int n = 128;
        byte[] msg = new byte[32];
        rnd.nextBytes(msg);
        List<byte[]> pks = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        List<BlsSignatureSet> sets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] sk = BlsTestKeys.keyGen(ikm);
            pks.add(BlsTestKeys.publicKey(sk));
            byte[] m = new byte[32];
            rnd.nextBytes(m);
            sigs.add(BlsTestKeys.sign(sk, msg));
            sets.add(new BlsSignatureSet(pks.get(i), m, BlsTestKeys.sign(sk, m)));
        }
        List<BlsPublicKey> dpk = pks.stream().map(BlsPublicKey::decode).toList();
        List<BlsSignature> dsig = sigs.stream().map(BlsSignature::decode).toList();
        byte[] agg = bls.aggregateSignatures(sigs).orElseThrow();
        BlsSignature dagg = BlsSignature.decode(agg);
        List<BlsPublicKey> pk100 = dpk.subList(0, 100);
        byte[] agg100 = bls.aggregateSignatures(sigs.subList(0, 100)).orElseThrow();
        BlsSignature dagg100 = BlsSignature.decode(agg100);
        per("BLS decode G1 public key + subgroup check", n, () -> pks.forEach(BlsPublicKey::decode));
        per("BLS decode G2 signature + subgroup check", n, () -> sigs.forEach(BlsSignature::decode));
        per("BLS add one validated G2 signature (aggregateValidated/n)", n, () -> bls.aggregateValidatedSignatures(dsig));
        per("BLS aggregateSignatures from bytes (decode+add, per sig)", n, () -> bls.aggregateSignatures(sigs));
        per("BLS verify (validated points)", 16, () -> {
            for (int i = 0; i < 16; i++) {
                bls.verify(dpk.get(i), msg, dsig.get(i));
            }
        });
        per("BLS fastAggregateVerify, 100 validated keys", 8, () -> {
            for (int i = 0; i < 8; i++) {
                bls.fastAggregateVerifyValidated(pk100, msg, dagg100);
            }
        });
        per("BLS batchVerify 128 valid triples (per triple, from bytes)", n, () -> bls.batchVerify(sets));
        List<BlsSignatureSet> oneBad = new ArrayList<>(sets);
        oneBad.set(77, new BlsSignatureSet(sets.get(77).publicKey(), new byte[] {1}, sets.get(77).signature()));
        per("BLS batchVerify 128 triples, 1 forged (per triple, bisection)", n, () -> bls.batchVerify(oneBad));
        for (OpenClRuntime.Handle h : OpenClRuntime.handles()) {
            try (BlsG1OpenCl g1 = BlsG1OpenCl.open(h, Path.of("target", "opencl-binaries"))) {
                List<BlsPublicKey> many = new ArrayList<>();
                for (int i = 0; i < 8192; i++) {
                    many.add(dpk.get(i % n));
                }
                List<byte[]> raw = many.stream().map(BlsPublicKey::toBytes).toList();
                per("BLS decode+subgroup-check 1024 public keys, " + h.device().name() + " (per key)", 1024,
                        () -> g1.decodePublicKeys(raw.subList(0, 1024)));
                per("BLS eth_aggregate_pubkeys of 1024 keys from bytes, " + h.device().name() + " (per key)", 1024,
                        () -> g1.aggregatePublicKeysFromBytes(raw.subList(0, 1024)));
                per("BLS eth_aggregate_pubkeys of 1024 keys from bytes, CPU blst (per key)", 1024,
                        () -> bls.aggregatePublicKeys(raw.subList(0, 1024)));
                for (int size : new int[] {128, 8192}) {
                    List<BlsPublicKey> keys = many.subList(0, size);
                    per("BLS sum of " + size + " validated public keys, CPU blst (per key)", size, () -> bls.aggregateValidatedPublicKeys(keys));
                    per("BLS sum of " + size + " validated public keys, " + h.device().name() + " (per key)", size, () -> g1.aggregatePublicKeys(keys));
                }
            }
        }
        if (!bls.verify(bls.aggregatePublicKeys(pks).orElseThrow(), msg, agg) || dagg.isInfinity()) {
            throw new IllegalStateException("benchmark inputs are wrong");
        }
    }

    private static void per(String what, int count, Runnable r) {
        double s = median(5, r);
        System.out.printf("%-64s %10.1f µs%n", what, s * 1e6 / count);
    }

}
