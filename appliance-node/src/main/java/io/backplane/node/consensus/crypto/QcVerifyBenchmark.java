package io.backplane.node.consensus.crypto;

import io.backplane.accel.Accelerator;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsFastAggregateInput;
import io.backplane.accel.bls.BlsKeySet;
import io.backplane.accel.cpu.CpuBackend;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;
import supranational.blst.BLST_ERROR;
import supranational.blst.P1;
import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;
import supranational.blst.Pairing;

/**
 * QC verification cost through the node's BLS path against the least work blst can do, in one run (issue 12 item 5):
 * <ul>
 *   <li>{@code node}: {@link QuorumCrypto#verifyAggregate} of {@link AcceleratedBls} over a CPU {@link Accelerator}
 *       (what {@code ValidatorNode} runs with {@code accel.device = cpu}): {@code bls-fast-aggregate-verify-set};</li>
 *   <li>{@code BlsCpu alone}: accel-kernels' CPU method over a {@link BlsKeySet}, without the Accelerator and the
 *       adapter (what their dispatch and checks add is node minus this);</li>
 *   <li>{@code raw}: blst directly over public-key points decoded once: decode the signature, add the signers'
 *       cached points, one {@code Pairing} (which subgroup-checks the signature) and {@code finalverify};</li>
 *   <li>{@code raw core_verify}: the same with blst's {@code core_verify}, which also subgroup-checks the aggregate
 *       key (for reference);</li>
 *   <li>{@code before}: the former node path, {@code bls-fast-aggregate-verify} over the keys' bytes (every key
 *       decoded again per QC).</li>
 * </ul>
 * The paths run interleaved, call by call, so load on a shared machine hits them alike; each call's wall time and
 * thread CPU time are recorded and the medians compared. Every call must verify (a path that answered false would be
 * timing a shortcut). Usage: {@code QcVerifyBenchmark [signers=100] [calls=400]}.
 */
public final class QcVerifyBenchmark {
    private QcVerifyBenchmark() {
    }

    /** Median wall and thread-CPU microseconds of one QC check, per path. */
    public record Path(String name, double wallMicros, double cpuMicros) {
    }

    /** The figures of one run; the ratios are node over raw (the minimum). */
    public record Result(int signers, int calls, Path node, Path keySetOnly, Path raw, Path rawCoreVerify, Path before) {
        public double ratioWall() {
            return node.wallMicros() / raw.wallMicros();
        }

        public double ratioCpu() {
            return node.cpuMicros() / raw.cpuMicros();
        }
    }

    public static void main(String[] args) {
        int signers = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        Result r = run(signers, calls, 12L);
        System.out.printf("QC verification of %d signers, %d calls per path (interleaved in a seeded random order, after %d"
                        + " warm-up calls), medians:%n",
                r.signers(), r.calls(), warmUp(calls));
        for (Path p : List.of(r.node(), r.keySetOnly(), r.raw(), r.rawCoreVerify(), r.before())) {
            System.out.printf("  %-78s %8.1f us wall  %8.1f us CPU%n", p.name(), p.wallMicros(), p.cpuMicros());
        }
        System.out.printf("ratio node / raw: %.3f wall, %.3f CPU (goal <= 1.1)%n", r.ratioWall(), r.ratioCpu());
        System.out.printf("  node / BlsCpu alone: %.3f CPU; BlsCpu alone / raw: %.3f CPU; node / raw core_verify: %.3f CPU;"
                        + " before / node: %.2f CPU%n",
                r.node().cpuMicros() / r.keySetOnly().cpuMicros(), r.keySetOnly().cpuMicros() / r.raw().cpuMicros(),
                r.node().cpuMicros() / r.rawCoreVerify().cpuMicros(), r.before().cpuMicros() / r.node().cpuMicros());
    }

    private static int warmUp(int calls) {
        return Math.max(20, calls / 4);
    }

    /** Builds a set of {@code signers} validators (seeded), one QC signed by all of them, and times the four paths. */
    public static Result run(int signers, int calls, long seed) {
        BlsSignatureScheme scheme = new BlsSignatureScheme();
        BlsCpu bls = new BlsCpu();
        Random rnd = new Random(seed);
        byte[] message = "vote round=7 block=0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        List<Validator> validators = new ArrayList<>();
        List<byte[]> signatures = new ArrayList<>();
        for (int i = 0; i < signers; i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            SecretSigner key = scheme.keyFromSeed(ikm);
            validators.add(new Validator(key.publicKey(), 1, key.proofOfPossession()));
            signatures.add(key.sign(message));
        }
        ValidatorSet set = new ValidatorSet(1, validators);
        byte[] aggregate = bls.aggregateSignatures(signatures).orElseThrow();
        BitSet who = new BitSet();
        who.set(0, signers);
        List<byte[]> keyBytes = validators.stream().map(Validator::publicKey).toList();
        P1_Affine[] cached = new P1_Affine[signers];
        for (int i = 0; i < signers; i++) {
            cached[i] = new P1_Affine(keyBytes.get(i)); // decoded once, as a node would per epoch
        }

        try (Accelerator accel = new Accelerator(new CpuBackend(), Optional.empty(), Accelerator.Options.defaults())) {
            QuorumCrypto node = new AcceleratedBls(accel).forValidators(set);
            BlsKeySet keySet = BlsKeySet.decode(keyBytes);
            BooleanSupplier[] paths = {
                    () -> node.verifyAggregate(who, message, aggregate),
                    () -> bls.fastAggregateVerify(keySet, who, message, aggregate),
                    () -> rawPairing(cached, who, message, aggregate),
                    () -> rawCoreVerify(cached, who, message, aggregate),
                    () -> accel.blsFastAggregateVerify(new BlsFastAggregateInput(keyBytes, message, aggregate)),
            };
            String[] names = {
                    "node: AcceleratedBls.verifyAggregate, CPU Accelerator (bls-fast-aggregate-verify-set)",
                    "accel-kernels BlsCpu.fastAggregateVerify(BlsKeySet, ...) alone (no Accelerator, no adapter)",
                    "raw blst, cached points: decode sig, add, Pairing.aggregate + finalverify",
                    "raw blst, cached points: decode sig, add, core_verify (+ G1 check of the sum)",
                    "before: bls-fast-aggregate-verify over key bytes (keys decoded per QC)",
            };
            long[][] wall = new long[paths.length][calls];
            long[][] cpu = new long[paths.length][calls];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < warmUp(calls); i++) {
                for (int p = 0; p < paths.length; p++) {
                    check(paths[p], names[p]);
                }
            }
            Random order = new Random(seed);
            int[] perm = new int[paths.length];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < calls; i++) {
                shuffle(perm, order); // no path always runs first, last, or after the same neighbour (cold caches)
                for (int p : perm) {
                    long c0 = threads.getCurrentThreadCpuTime(); // figures only, like the wall clock below
                    long t0 = System.nanoTime();
                    check(paths[p], names[p]);
                    wall[p][i] = System.nanoTime() - t0;
                    cpu[p][i] = threads.getCurrentThreadCpuTime() - c0;
                }
            }
            Path[] out = new Path[paths.length];
            for (int p = 0; p < paths.length; p++) {
                out[p] = new Path(names[p], median(wall[p]) / 1e3, median(cpu[p]) / 1e3);
            }
            return new Result(signers, calls, out[0], out[1], out[2], out[3], out[4]);
        }
    }

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void check(BooleanSupplier path, String name) {
        if (!path.getAsBoolean()) {
            throw new IllegalStateException(name + ": the QC did not verify");
        }
    }

    /** The minimum: signature decoded (its subgroup check is Pairing.aggregate's), cached points added, one pairing check. */
    static boolean rawPairing(P1_Affine[] cached, BitSet who, byte[] message, byte[] aggregate) {
        P2_Affine sig = new P2_Affine(aggregate);
        P1 sum = sumOf(cached, who);
        Pairing pairing = new Pairing(true, BlsCpu.DST);
        if (pairing.aggregate(sum.to_affine(), sig, message) != BLST_ERROR.BLST_SUCCESS) {
            return false;
        }
        pairing.commit();
        return pairing.finalverify();
    }

    static boolean rawCoreVerify(P1_Affine[] cached, BitSet who, byte[] message, byte[] aggregate) {
        P2_Affine sig = new P2_Affine(aggregate);
        return sig.core_verify(sumOf(cached, who).to_affine(), true, message, BlsCpu.DST) == BLST_ERROR.BLST_SUCCESS;
    }

    private static P1 sumOf(P1_Affine[] cached, BitSet who) {
        int first = who.nextSetBit(0);
        P1 sum = new P1(cached[first]);
        for (int i = who.nextSetBit(first + 1); i >= 0; i = who.nextSetBit(i + 1)) {
            sum.add(cached[i]);
        }
        return sum;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }
}
