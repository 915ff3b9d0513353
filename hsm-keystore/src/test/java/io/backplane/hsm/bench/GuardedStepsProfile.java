package io.backplane.hsm.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.audit.AuditAnchor;
import io.backplane.hsm.audit.AuditLog;
import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.keystore.Keystore;
import io.backplane.hsm.pkcs11.Pkcs11Token;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a guarded BLS signature's time goes, step by step (median and p99 of each step alone). Runs only with
 * {@code -Dbackplane.profile=true}: it measures, it asserts nothing.
 */
class GuardedStepsProfile {
    private static final int N = Integer.getInteger("backplane.profile.n", 1500);

    @TempDir
    Path dir;

    interface Step {
        void run(int i) throws Exception;
    }

    static void time(String name, Step s) throws Exception {
        for (int i = 0; i < 50; i++) {
            s.run(-1 - i);
        }
        long[] t = new long[N];
        for (int i = 0; i < N; i++) {
            long t0 = System.nanoTime();
            s.run(i);
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        System.out.printf("%-34s median %8.1f us   p99 %8.1f us%n", name, t[N / 2] / 1e3, t[(int) (N * 0.99)] / 1e3);
    }

    @Test
    void profile() throws Exception {
        assumeTrue(Boolean.getBoolean("backplane.profile"), "profile only with -Dbackplane.profile=true");
        String label = TestTokens.newToken("prof");
        try (Pkcs11Token t = TestTokens.open(label)) {
            t.ensureKek();
        }
        byte[] msg = "backplane benchmark message: 32+ bytes of vote".getBytes(StandardCharsets.UTF_8);
        try (Keystore ks = Keystore.open(new Keystore.Options(dir.resolve("ks"), TestTokens.library(), label, "prof", Clock.systemUTC(), 64),
                TestTokens.TEST_PIN.toCharArray())) {
            String id = ks.generateBls().id();
            Pkcs11Token token = ks.token();
            byte[] sk = Bls.keyGen(token.random(32));
            byte[] iv = token.random(12);
            byte[] aad = "aad".getBytes(StandardCharsets.UTF_8);
            byte[] sealed = token.seal(iv, aad, sk);
            if (Boolean.getBoolean("backplane.profile.strace")) {
                long end = System.nanoTime() + 20_000_000_000L;
                while (System.nanoTime() < end) {
                    token.writeDataObject("prof-obj", new byte[100]);
                    token.unseal(iv, aad, sealed);
                }
                return;
            }
            time("blst sign (in memory)", i -> Bls.sign(sk, msg));
            time("token unseal", i -> token.unseal(iv, aad, sealed));
            time("token anchor write", i -> token.writeDataObject("prof-obj", new byte[100]));
            time("anchor write + unseal", i -> {
                token.writeDataObject("prof-obj", new byte[100]);
                token.unseal(iv, aad, sealed);
            });
            try (SigningGuard g = SigningGuard.open(dir.resolve("g"))) {
                byte[] sig = new byte[96];
                byte[] h = new byte[32];
                time("guard record (write+fdatasync)", i -> g.record(new SigningRequest("bls-0000000000000000", 0, i + 100, SigningKind.VOTE, msg), h, sig));
            }
            AuditLog a = new AuditLog(dir.resolve("a").resolve("audit.log"), Clock.systemUTC(), 1 << 30, "x", null, new AuditAnchor() {
                @Override
                public Optional<Head> read() {
                    return Optional.empty();
                }

                @Override
                public void write(Head head) {
                }
            });
            Map<String, String> d = Map.of("kind", "vote", "epoch", "0", "round", "1", "sha256", "00".repeat(32), "signatureSha256", "00".repeat(32),
                    "unsealed", "true");
            time("audit append, fsynced", i -> a.append("sign", id, d));
            time("audit append, copy in guard", i -> a.appendDurably("sign", id, d, c -> { }));
            a.close();
            long[] r = {0};
            time("keystore sign (full)", i -> ks.sign(new SigningRequest(id, 0, r[0]++, SigningKind.VOTE, msg)));
        }
    }
}
