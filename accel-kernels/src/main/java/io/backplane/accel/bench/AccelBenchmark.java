package io.backplane.accel.bench;

import io.backplane.accel.AccelBackend;
import io.backplane.accel.vdf.VdfOutput;
import io.backplane.accel.vdf.VdfProof;
import io.backplane.accel.bls.BlsSignatureSet;
import io.backplane.accel.ed25519.Ed25519Item;
import io.backplane.accel.vdf.Wesolowski;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Runs one accelerated operation on a backend at one batch size, repeatedly, and reports the median batch latency
 * and items per second. Inputs are generated from a fixed seed so every backend sees the same bytes.
 */
public final class AccelBenchmark {
    /**
     * What one benchmarked operation needs: its batch sizes, a way to run a batch on a backend, and the earlier paths
     * of the same operation it is compared with in the same run ({@link Baseline}s; none for most operations).
     */
    public record Op(String name, String unit, int[] sizes, IntFunction<Object> input, Runner runner, List<Baseline> baselines) {
        public Op(String name, String unit, int[] sizes, IntFunction<Object> input, Runner runner) {
            this(name, unit, sizes, input, runner, List.of());
        }

        /** This operation with its runner replaced by a baseline's (the backend argument is then ignored). */
        public Op as(Baseline b) {
            return new Op(b.name(), unit, sizes, input, b.runner(), List.of());
        }
    }

    /** A previous implementation of an operation, measured beside the current one (e.g. Ed25519 one verify at a time). */
    public record Baseline(String name, String description, Runner runner) {
    }

    /**
     * Runs one prepared input on a backend and returns the backend's answer, so callers (JMH, {@link #measure})
     * consume it and the JIT cannot drop the call as dead code.
     */
    public interface Runner {
        Object run(AccelBackend backend, Object input);
    }

    /** One measured point. */
    public record Point(String op, String backend, int batch, int iterations, double medianMillis, double itemsPerSecond) {
    }

    private static final long SEED = 20_261_125L;
    /** The seed the shipped BLS pool ({@link #BLS_POOL_RESOURCE}) was drawn from. */
    public static final long BLS_POOL_SEED = SEED;

    /** Where {@link #measure} folds every answer, so no measured call is dead code. */
    private static volatile int sink;

    private AccelBenchmark() {
    }

    /** SHA-256 of 64-byte messages (a transaction-id-sized input). */
    public static Op sha256() {
        return new Op("sha256", "64-byte messages", new int[]{1, 16, 256, 4096, 65_536, 262_144},
                n -> randomMessages(n, 64), (b, in) -> b.sha256Batch(cast(in)));
    }

    /** Merkle roots over 32-byte leaves. */
    public static Op merkle() {
        return new Op("merkle", "32-byte leaves", new int[]{16, 256, 4096, 65_536, 1 << 20},
                n -> randomMessages(n, 32), (b, in) -> b.merkleRoot(cast(in)));
    }

    /** Wesolowski verification of valid proofs (T = 1024). */
    public static Op vdfVerify() {
        return new Op("vdf-verify", "proofs (T=1024)", new int[]{1, 4, 16, 64, 256},
                AccelBenchmark::proofs, (b, in) -> b.vdfVerifyBatch(cast(in)));
    }

    /** Batch sizes of the issue-7 operations: 1 to 100 000 (the bench caps the time per point). */
    private static final int[] SIGNATURE_SIZES = {1, 10, 100, 1000, 10_000, 100_000};

    /** BLS {@code Aggregate} of valid signatures (decoding and subgroup checks included, as a leader pays them). */
    public static Op blsAggregate() {
        return new Op("bls-aggregate", "BLS signatures (96-byte G2)", SIGNATURE_SIZES,
                n -> column(blsPool(), n, 2), (b, in) -> b.blsAggregateSignatures(cast(in)));
    }

    /** {@code eth_aggregate_pubkeys} of valid keys (KeyValidate included). */
    public static Op blsAggregatePubkeys() {
        return new Op("bls-aggregate-pubkeys", "BLS public keys (48-byte G1)", SIGNATURE_SIZES,
                n -> column(blsPool(), n, 0), (b, in) -> b.blsAggregatePublicKeys(cast(in)));
    }

    /** BLS batch verification of valid triples, per-triple answers. */
    public static Op blsBatchVerify() {
        return new Op("bls-batch-verify", "BLS (pk, msg, sig) triples", SIGNATURE_SIZES, n -> {
            List<byte[][]> pool = blsPool();
            List<BlsSignatureSet> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[][] t = pool.get(i % pool.size());
                out.add(new BlsSignatureSet(t[0], t[1], t[2]));
            }
            return out;
        }, (b, in) -> b.blsBatchVerifyEach(cast(in)));
    }

    private static final io.backplane.accel.ed25519.Ed25519Cpu ED25519_CPU = new io.backplane.accel.ed25519.Ed25519Cpu();

    /**
     * Ed25519 batch verification of valid signatures over 64-byte messages, with Bouncy Castle one verify per
     * signature (the CPU path before the MSM batch, spread over the same cores) as the baseline {@code cpu-bc}.
     */
    public static Op ed25519Verify() {
        return new Op("ed25519-verify", "Ed25519 signatures (64-byte messages)", new int[]{1, 16, 64, 256, 1000, 10_000, 100_000}, n -> {
            List<byte[][]> pool = ed25519Pool();
            List<Ed25519Item> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[][] t = pool.get(i % pool.size());
                out.add(new Ed25519Item(t[0], t[1], t[2]));
            }
            return out;
        }, (b, in) -> b.ed25519BatchVerify(cast(in)), List.of(new Baseline("cpu-bc",
                "Bouncy Castle Ed25519.verify per signature (the pre-MSM CPU path), same cores",
                (b, in) -> ED25519_CPU.verifyEach(cast(in)))));
    }

    public static List<Op> all() {
        return List.of(sha256(), merkle(), vdfVerify(), blsAggregate(), blsAggregatePubkeys(), blsBatchVerify(), ed25519Verify());
    }

    /** Distinct triples signed once (signing costs about a millisecond each) and repeated to fill a batch. */
    private static final int POOL = 256;
    /**
     * The BLS pool: {@value #POOL} (public key, 32-byte message, signature) triples, one a line in hex. accel-kernels
     * verifies and aggregates but does not sign (signing is hsm-keystore's, beside the keys, and this module cannot
     * depend on it), so the triples were signed once by hsm-keystore's {@code Bls} from {@link #BLS_POOL_SEED} and ship
     * here; hsm-keystore's {@code AccelBenchTriplesTest} signs them again and checks this file byte for byte.
     */
    public static final String BLS_POOL_RESOURCE = "/bench/bls-triples.txt";
    private static volatile List<byte[][]> blsPool = List.of();
    private static volatile List<byte[][]> ed25519Pool = List.of();

    private static synchronized List<byte[][]> blsPool() {
        if (blsPool.isEmpty()) {
            blsPool = readBlsPool();
        }
        return blsPool;
    }

    /** The BLS pool as shipped in {@link #BLS_POOL_RESOURCE}. */
    public static List<byte[][]> readBlsPool() {
        try (java.io.InputStream in = AccelBenchmark.class.getResourceAsStream(BLS_POOL_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + BLS_POOL_RESOURCE + " is missing from accel-kernels");
            }
            java.util.HexFormat hex = java.util.HexFormat.of();
            List<byte[][]> pool = new ArrayList<>(POOL);
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length != 3) {
                    throw new IllegalStateException("resource " + BLS_POOL_RESOURCE + ": line " + (pool.size() + 1) + " is not `pk msg sig`");
                }
                pool.add(new byte[][]{hex.parseHex(f[0]), hex.parseHex(f[1]), hex.parseHex(f[2])});
            }
            if (pool.size() != POOL) {
                throw new IllegalStateException("resource " + BLS_POOL_RESOURCE + " holds " + pool.size() + " triples, not " + POOL);
            }
            return List.copyOf(pool);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read resource " + BLS_POOL_RESOURCE, e);
        }
    }

    private static synchronized List<byte[][]> ed25519Pool() {
        if (ed25519Pool.isEmpty()) {
            Random rnd = new Random(SEED);
            List<byte[][]> pool = new ArrayList<>(POOL);
            for (int i = 0; i < POOL; i++) {
                byte[] sk = new byte[32];
                rnd.nextBytes(sk);
                byte[] pk = new byte[32];
                org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(sk, 0, pk, 0);
                byte[] msg = new byte[64];
                rnd.nextBytes(msg);
                byte[] sig = new byte[64];
                org.bouncycastle.math.ec.rfc8032.Ed25519.sign(sk, 0, msg, 0, msg.length, sig, 0);
                pool.add(new byte[][]{pk, msg, sig});
            }
            ed25519Pool = List.copyOf(pool);
        }
        return ed25519Pool;
    }

    private static List<byte[]> column(List<byte[][]> pool, int n, int col) {
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(pool.get(i % pool.size())[col]);
        }
        return out;
    }

    /**
     * Measures {@code op} on {@code backend} at {@code batch}: one warm-up call, then calls until both
     * {@code minIterations} and {@code minNanos} are reached (or {@code maxIterations}).
     */
    public static Point measure(Op op, AccelBackend backend, int batch, Object input, int minIterations, int maxIterations,
                                long minNanos, LongSupplier nanoClock) {
        sink ^= System.identityHashCode(op.runner().run(backend, input));
        List<Long> samples = new ArrayList<>();
        long start = nanoClock.getAsLong();
        while (samples.size() < maxIterations && (samples.size() < minIterations || nanoClock.getAsLong() - start < minNanos)) {
            long t0 = nanoClock.getAsLong();
            Object answer = op.runner().run(backend, input);
            samples.add(nanoClock.getAsLong() - t0);
            sink ^= System.identityHashCode(answer);
        }
        long[] s = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
        return new Point(op.name(), backend.name(), batch, s.length, median / 1e6, batch / (median / 1e9));
    }

    /**
     * Measures {@code a} and {@code b} on the same input by alternating their calls (a, b, a, b, ...), so that load from
     * other processes falls on both alike; same stopping rule as {@link #measure}, applied to the pair.
     */
    public static Point[] measurePair(Op a, AccelBackend backendA, Op b, AccelBackend backendB, int batch, Object input,
                                      int minIterations, int maxIterations, long minNanos, LongSupplier nanoClock) {
        sink ^= System.identityHashCode(a.runner().run(backendA, input));
        sink ^= System.identityHashCode(b.runner().run(backendB, input));
        List<Long> sa = new ArrayList<>();
        List<Long> sb = new ArrayList<>();
        long start = nanoClock.getAsLong();
        while (sa.size() < maxIterations && (sa.size() < minIterations || nanoClock.getAsLong() - start < 2 * minNanos)) {
            long t0 = nanoClock.getAsLong();
            Object x = a.runner().run(backendA, input);
            long t1 = nanoClock.getAsLong();
            Object y = b.runner().run(backendB, input);
            long t2 = nanoClock.getAsLong();
            sa.add(t1 - t0);
            sb.add(t2 - t1);
            sink ^= System.identityHashCode(x) ^ System.identityHashCode(y);
        }
        return new Point[]{point(a, backendA, batch, sa), point(b, backendB, batch, sb)};
    }

    private static Point point(Op op, AccelBackend backend, int batch, List<Long> samples) {
        long[] s = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
        return new Point(op.name(), backend.name(), batch, s.length, median / 1e6, batch / (median / 1e9));
    }

    /**
     * The smallest measured batch size from which the device is at least as fast as the CPU at every larger measured
     * size, or -1 if the device never catches up in the measured range.
     */
    public static int crossover(List<Point> cpu, List<Point> device) {
        int result = -1;
        for (int i = device.size() - 1; i >= 0; i--) {
            Point d = device.get(i);
            Point c = cpu.stream().filter(p -> p.batch() == d.batch()).findFirst().orElse(null);
            if (c == null || d.itemsPerSecond() < c.itemsPerSecond()) {
                break;
            }
            result = d.batch();
        }
        return result;
    }

    private static List<byte[]> randomMessages(int n, int len) {
        Random rnd = new Random(SEED + n);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[len];
            rnd.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    private static volatile List<VdfProof> proofPool = List.of();

    /** Up to 8 distinct valid proofs (evaluation takes time), repeated to fill the batch. */
    private static synchronized List<VdfProof> proofs(int n) {
        if (proofPool.isEmpty()) {
            Random rnd = new Random(SEED);
            List<VdfProof> pool = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] x = Wesolowski.toBytes(Wesolowski.canon(new BigInteger(2040, rnd).add(BigInteger.TWO)));
                VdfOutput out = Wesolowski.evaluate(x, 1024);
                pool.add(new VdfProof(x, out.y(), out.proof(), 1024));
            }
            proofPool = List.copyOf(pool);
        }
        List<VdfProof> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(proofPool.get(i % proofPool.size()));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }

    /** Batch sizes of {@code op} not above {@code max}. */
    public static int[] sizesUpTo(Op op, int max) {
        return Arrays.stream(op.sizes()).filter(s -> s <= max).toArray();
    }
}
