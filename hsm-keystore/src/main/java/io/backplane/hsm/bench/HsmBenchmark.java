package io.backplane.hsm.bench;

import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import io.backplane.hsm.pkcs11.SoftHsm;
import io.backplane.hsm.pkcs11.TokenException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The HSM benchmark behind {@code backplane bench --ops hsm-ecdsa,hsm-bls-sign}: signatures per second and median
 * latency through the guarded signer, and in the same run through a bare loop (SunPKCS11 ECDSA for {@code hsm-ecdsa},
 * blst with an in-memory key for {@code hsm-bls-sign}), with the guarded path's throughput as a ratio of the bare one.
 * The guarded path includes everything a validator pays: guard check, (for BLS) unsealing in the token, signing,
 * the fsynced guard record (which carries the audit entry: one fsync), the audit entry's write and the anchor in the
 * token.
 */
public final class HsmBenchmark {
    public static final String HSM_ECDSA = "hsm-ecdsa";
    public static final String HSM_BLS_SIGN = "hsm-bls-sign";
    public static final List<String> OPS = List.of(HSM_ECDSA, HSM_BLS_SIGN);

    /**
     * One result row. {@code path} is {@code guarded}, {@code bare-pkcs11} or {@code bare-blst}; {@code ratio} is this
     * path's throughput divided by the bare path's of the same op (1.0 for the bare row).
     */
    public record Row(String op, String path, long operations, double opsPerSecond, double medianMicros, double p99Micros, double ratio) {
    }

    private HsmBenchmark() {
    }

    /**
     * Runs {@code ops} for {@code perPath} each (any length, zero included: at least 10 timed operations after 20
     * warm-up ones) on a fresh SoftHSM token created in {@code softHsmDir} (this process's SoftHSM config; no SO PIN
     * file is written) with its keystore under {@code workDir}.
     */
    public static List<Row> run(Path softHsmDir, Path workDir, List<String> ops, Duration perPath) {
        for (String op : ops) {
            if (!OPS.contains(op)) {
                throw new IllegalArgumentException("unknown HSM benchmark op '" + op + "' (known: " + OPS + ")");
            }
        }
        Path lib = SoftHsm.findLibrary().orElseThrow(() -> new TokenException("SoftHSM2 is not installed", false, null));
        String label = "bench-" + Long.toString(ProcessHandle.current().pid(), 36) + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        char[] pin = "bench-pin".toCharArray();
        // A fixed SO PIN: a throw-away token needs no reset path, so no so-pin-<label> file is written.
        new SoftHsm(softHsmDir).activate().ensureToken(lib, label, pin, "bench-so-pin".toCharArray());
        try (Pkcs11Token t = Pkcs11Token.open(lib, label, pin, Clock.systemUTC())) {
            t.ensureKek();
        }
        try (Keystore ks = Keystore.open(new Keystore.Options(workDir, lib, label, "bench", Clock.systemUTC(), 64), pin)) {
            return run(ks, ops, perPath);
        }
    }

    /** Runs {@code ops} against an open keystore (creates the keys it needs: an identity key if absent, one BLS key). */
    public static List<Row> run(Keystore ks, List<String> ops, Duration perPath) {
        List<Row> rows = new ArrayList<>();
        byte[] msg = "backplane benchmark message: 32+ bytes of vote".getBytes(StandardCharsets.UTF_8);
        for (String op : ops) {
            if (op.equals(HSM_ECDSA)) {
                if (ks.identityCertificate().isEmpty()) {
                    ks.generateIdentity();
                }
                String id = ks.identityKeyId();
                long[] round = {ks.guard().watermark(id, SigningKind.PROPOSAL).map(w -> w.round() + 1).orElse(0L)};
                Row bare = measure(op, "bare-pkcs11", perPath, bareEcdsa(ks, id, msg));
                Row guarded = measure(op, "guarded", perPath,
                        () -> ks.sign(new SigningRequest(id, 0, round[0]++, SigningKind.PROPOSAL, msg)));
                rows.add(withRatio(bare, bare));
                rows.add(withRatio(guarded, bare));
            } else {
                String id = ks.generateBls().id();
                byte[] sk = Bls.keyGen(ks.token().random(32));
                long[] round = {0};
                Row bare = measure(op, "bare-blst", perPath, () -> Bls.sign(sk, msg));
                Row guarded = measure(op, "guarded", perPath,
                        () -> ks.sign(new SigningRequest(id, 0, round[0]++, SigningKind.VOTE, msg)));
                Arrays.fill(sk, (byte) 0);
                rows.add(withRatio(bare, bare));
                rows.add(withRatio(guarded, bare));
            }
        }
        return rows;
    }

    private static Runnable bareEcdsa(Keystore ks, String alias, byte[] msg) {
        return ks.token().call("bench", (p, store) -> {
            Key k = store.getKey(alias, null);
            Signature s = Signature.getInstance("SHA256withECDSA", p);
            PrivateKey priv = (PrivateKey) k;
            return (Runnable) () -> {
                try {
                    s.initSign(priv);
                    s.update(msg);
                    s.sign();
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            };
        });
    }

    private static Row measure(String op, String path, Duration d, Runnable body) {
        for (int i = 0; i < 20; i++) {
            body.run(); // warm-up: JIT, session pool, page cache
        }
        long[] lat = new long[1 << 16];
        int n = 0;
        long start = System.nanoTime();
        long end = start + d.toNanos();
        long now = start;
        while (now < end || n < 10) {
            long t0 = System.nanoTime();
            body.run();
            now = System.nanoTime();
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = now - t0;
        }
        long[] sorted = Arrays.copyOf(lat, n);
        Arrays.sort(sorted);
        double seconds = (now - start) / 1e9;
        return new Row(op, path, n, n / seconds, sorted[n / 2] / 1e3, sorted[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e3, 1.0);
    }

    private static Row withRatio(Row r, Row bare) {
        return new Row(r.op(), r.path(), r.operations(), r.opsPerSecond(), r.medianMicros(), r.p99Micros(), r.opsPerSecond() / bare.opsPerSecond());
    }

    /** Human table. */
    public static String format(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-14s %-12s %10s %12s %12s %8s%n", "op", "path", "ops/s", "median µs", "p99 µs", "ratio"));
        for (Row r : rows) {
            sb.append(String.format("%-14s %-12s %10.1f %12.1f %12.1f %8.3f%n", r.op(), r.path(), r.opsPerSecond(), r.medianMicros(), r.p99Micros(), r.ratio()));
        }
        return sb.toString();
    }

    /** {@code java ... HsmBenchmark [seconds-per-path] [workdir]}: runs both ops and prints the table. */
    public static void main(String[] args) throws Exception {
        Duration per = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        Path work = args.length > 1 ? Path.of(args[1]) : java.nio.file.Files.createTempDirectory("hsm-bench");
        System.out.print(format(run(work.resolve("softhsm"), work.resolve("keystore"), OPS, per)));
    }
}
