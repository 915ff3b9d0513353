package io.backplane.hsm.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.Signature;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.bls.Bls;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningGuardIT {
    /** The project's BLS verifier (the accelerator's CPU reference). */
    private static final io.backplane.accel.bls.BlsCpu BLS_CPU = new io.backplane.accel.bls.BlsCpu();

    static final byte[] SECRET = Bls.keyGen("guard test key material, 32 bytes or more".getBytes(StandardCharsets.UTF_8));
    static final String KEY = "bls-test";

    @TempDir
    Path dir;

    static GuardedSigning signer(Path dir) {
        return new GuardedSigning(SigningGuard.open(dir), Bls.inMemory(KEY, SECRET), SigningListener.NONE);
    }

    static SigningRequest req(long epoch, long round, SigningKind kind, String msg) {
        return new SigningRequest(KEY, epoch, round, kind, msg.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseSecondVoteInSameRoundAndRepeatTheStoredSignatureForIdenticalBytes() {
        GuardedSigning s = signer(dir);
        Signature first = s.sign(req(1, 5, SigningKind.VOTE, "block A"));
        assertThat(first.repeated()).isFalse();
        assertThat(BLS_CPU.verify(s.publicKey(KEY), "block A".getBytes(StandardCharsets.UTF_8), first.bytes())).isTrue();

        Signature again = s.sign(req(1, 5, SigningKind.VOTE, "block A"));
        assertThat(again.repeated()).isTrue();
        assertThat(again.bytes()).isEqualTo(first.bytes());

        assertThatThrownBy(() -> s.sign(req(1, 5, SigningKind.VOTE, "block B")))
                .isInstanceOfSatisfying(DoubleSignRefused.class, r -> {
                    assertThat(r.watermark().epoch()).isEqualTo(1);
                    assertThat(r.watermark().round()).isEqualTo(5);
                    assertThat(r.watermark().kind()).isEqualTo(SigningKind.VOTE);
                    assertThat(r.retryable()).isFalse();
                });
        // Below the watermark is refused; another kind has its own watermark; above is fine.
        assertThatThrownBy(() -> s.sign(req(1, 4, SigningKind.VOTE, "old"))).isInstanceOf(DoubleSignRefused.class);
        assertThatThrownBy(() -> s.sign(req(0, 99, SigningKind.VOTE, "older epoch"))).isInstanceOf(DoubleSignRefused.class);
        assertThat(s.sign(req(1, 5, SigningKind.TIMEOUT, "timeout 5")).repeated()).isFalse();
        assertThat(s.sign(req(1, 6, SigningKind.VOTE, "block C")).repeated()).isFalse();
        assertThat(s.sign(req(2, 0, SigningKind.VOTE, "next epoch")).repeated()).isFalse();
        s.guard().close();
    }

    @Test
    void compactionKeepsWatermarksAndTheRecentWindowAndShrinksTheLog() throws IOException {
        SigningGuard g = SigningGuard.open(dir);
        int n = SigningGuard.RECENT_PER_KEY + 200;
        for (int r = 0; r < n; r++) {
            SigningRequest q = req(0, r, SigningKind.VOTE, "v" + r);
            // The raw signature's content does not matter to the guard: a hash stands in to keep this test quick.
            g.record(q, SigningGuard.sha256(q.bytes()), SigningGuard.sha256(("sig" + r).getBytes(StandardCharsets.UTF_8)));
        }
        g.record(req(0, 3, SigningKind.TIMEOUT, "t3"), SigningGuard.sha256(utf8("t3")), new byte[] {1});
        g.close();
        long before = Files.size(dir.resolve("guard.log"));

        SigningGuard compacted = SigningGuard.open(dir, 1024);
        assertThat(Files.size(dir.resolve("guard.log"))).isLessThan(before);
        assertThat(Files.exists(dir.resolve("guard.log.compact"))).isFalse();
        assertThat(compacted.watermark(KEY, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo((long) n - 1);
        assertThat(compacted.watermark(KEY, SigningKind.TIMEOUT)).get().extracting(w -> w.round()).isEqualTo(3L);
        SigningRequest last = req(0, n - 1, SigningKind.VOTE, "v" + (n - 1));
        assertThat(compacted.check(last, SigningGuard.sha256(last.bytes()))).isInstanceOf(SigningGuard.Repeat.class);
        SigningRequest old = req(0, 5, SigningKind.VOTE, "v5");
        assertThat(compacted.check(old, SigningGuard.sha256(old.bytes()))).as("outside the recent window: watermark only")
                .isInstanceOf(SigningGuard.Refuse.class);
        compacted.close();
        // And it reopens as compacted, with the same answers.
        SigningGuard again = SigningGuard.open(dir);
        assertThat(again.check(last, SigningGuard.sha256(last.bytes()))).isInstanceOf(SigningGuard.Repeat.class);
        again.close();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSecondSignerOnTheSameStoreIsRefusedUntilTheFirstCloses() {
        SigningGuard first = SigningGuard.open(dir);
        assertThatThrownBy(() -> SigningGuard.open(dir)).isInstanceOf(GuardStoreException.class).hasMessageContaining("in use by another signer");
        first.close();
        SigningGuard.open(dir).close();
    }

    @Test
    void concurrentConflictingRequestsForOneSlotReleaseExactlyOneSignature() throws Exception {
        GuardedSigning s = signer(dir);
        int threads = 8;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        var start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Signature>> results = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String msg = "candidate " + t;
            results.add(pool.submit(() -> {
                start.await();
                return s.sign(req(9, 9, SigningKind.VOTE, msg));
            }));
        }
        start.countDown();
        int released = 0;
        int refused = 0;
        for (var f : results) {
            try {
                f.get();
                released++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(DoubleSignRefused.class);
                refused++;
            }
        }
        pool.shutdown();
        assertThat(released).isEqualTo(1);
        assertThat(refused).isEqualTo(threads - 1);
        s.guard().close();
    }

    @Test
    void watermarksAndStoredSignaturesSurviveARestart() {
        GuardedSigning s = signer(dir);
        Signature a = s.sign(req(3, 7, SigningKind.PROPOSAL, "proposal"));
        s.guard().close();

        GuardedSigning reopened = signer(dir);
        Signature b = reopened.sign(req(3, 7, SigningKind.PROPOSAL, "proposal"));
        assertThat(b.repeated()).isTrue();
        assertThat(b.bytes()).isEqualTo(a.bytes());
        assertThatThrownBy(() -> reopened.sign(req(3, 7, SigningKind.PROPOSAL, "other proposal"))).isInstanceOf(DoubleSignRefused.class);
        assertThat(reopened.guard().watermark(KEY, SigningKind.PROPOSAL)).get().extracting(w -> w.round()).isEqualTo(7L);
        reopened.guard().close();
    }

    @Test
    void aTornLastRecordIsCutOffButDamageInTheMiddleRefusesToOpen() throws IOException {
        GuardedSigning s = signer(dir);
        s.sign(req(1, 1, SigningKind.VOTE, "one"));
        s.sign(req(1, 2, SigningKind.VOTE, "two"));
        s.guard().close();
        Path log = dir.resolve("guard.log");
        byte[] full = Files.readAllBytes(log);

        // A crash mid-write leaves part of the last record: it was never released, so it is dropped.
        Files.write(log, java.util.Arrays.copyOf(full, full.length - 10));
        GuardedSigning afterTear = signer(dir);
        assertThat(afterTear.guard().watermark(KEY, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo(1L);
        assertThat(Files.size(log)).isLessThan(full.length - 10);
        afterTear.guard().close();

        // A flipped byte in an early record with many records after it is damage, not a torn write.
        Files.write(log, full);
        GuardedSigning more = signer(dir);
        for (int r = 3; r < 40; r++) {
            more.sign(req(1, r, SigningKind.VOTE, "m" + r));
        }
        more.guard().close();
        byte[] damaged = Files.readAllBytes(log);
        damaged[SigningGuard.MAGIC.length + 12] ^= 0x55;
        Files.write(log, damaged);
        assertThatThrownBy(() -> SigningGuard.open(dir)).isInstanceOf(GuardStoreException.class)
                .hasMessageContaining("damaged at offset " + SigningGuard.MAGIC.length);
        assertThat(Files.readAllBytes(log)).as("nothing is lost or rewritten").isEqualTo(damaged);
    }

    @Test
    void historyExportImportNeverLowersAWatermarkAndBadInputChangesNothing() throws IOException {
        GuardedSigning a = signer(dir.resolve("a"));
        Signature s10 = a.sign(req(1, 10, SigningKind.VOTE, "ten"));
        a.sign(req(1, 3, SigningKind.PROPOSAL, "p3"));
        String exported = GuardHistoryJson.write(a.guard().history(null));
        a.guard().close();

        GuardedSigning b = signer(dir.resolve("b"));
        b.sign(req(1, 12, SigningKind.VOTE, "twelve"));
        SigningGuard.ImportResult res = b.guard().importHistory(GuardHistoryJson.read(exported));
        assertThat(res.conflicts()).isEmpty();
        // The vote watermark stays at 12 (import never lowers), proposal rises to 3.
        assertThat(b.guard().watermark(KEY, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo(12L);
        assertThat(b.guard().watermark(KEY, SigningKind.PROPOSAL)).get().extracting(w -> w.round()).isEqualTo(3L);
        // The moved box returns the stored signature for identical bytes and refuses the rest.
        Signature again = b.sign(req(1, 10, SigningKind.VOTE, "ten"));
        assertThat(again.repeated()).isTrue();
        assertThat(again.bytes()).isEqualTo(s10.bytes());
        assertThatThrownBy(() -> b.sign(req(1, 3, SigningKind.PROPOSAL, "p3'"))).isInstanceOf(DoubleSignRefused.class);

        Path log = b.guard().file();
        byte[] before = Files.readAllBytes(log);
        for (String bad : new String[] {"{", "[]", "{\"format\":\"backplane-guard-history/1\",\"keys\":[{\"keyId\":\"k\",\"watermarks\":[{\"kind\":\"vote\",\"epoch\":-1,\"round\":0}],\"signed\":[]}]}",
                exported.replace("\"vote\"", "\"ballot\"")}) {
            assertThatThrownBy(() -> b.guard().importHistory(GuardHistoryJson.read(bad))).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.readAllBytes(log)).isEqualTo(before);
        b.guard().close();
    }

    @Test
    void aFullDiskRefusesTheSignatureInsteadOfReleasingIt() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("small-fs"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mnt.toString()).redirectErrorStream(true).start();
        String why = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(mount.waitFor() == 0, "needs root to mount a small tmpfs for the guard store: " + why.strip());
        GuardedSigning s = null;
        try {
            s = signer(mnt.resolve("guard"));
            s.sign(req(1, 1, SigningKind.VOTE, "fits"));
            Path filler = mnt.resolve("filler");
            try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.CREATE)) {
                byte[] block = new byte[4096];
                while (true) {
                    out.write(block);
                    out.flush();
                }
            } catch (IOException expectedNoSpace) {
                assertThat(expectedNoSpace.getMessage()).containsIgnoringCase("space");
            }
            // The log's last page may still hold a few records; sign until the file system has no room at all.
            GuardStoreException refused = null;
            long round = 2;
            long before = 0;
            for (; round < 200 && refused == null; round++) {
                before = Files.size(s.guard().file());
                try {
                    Signature ok = s.sign(req(1, round, SigningKind.VOTE, "r" + round));
                    assertThat(ok.repeated()).isFalse();
                } catch (GuardStoreException e) {
                    refused = e;
                }
            }
            long refusedRound = round - 1;
            assertThat(refused).as("a full file system must refuse a signature").isNotNull();
            assertThat(refused.retryable()).isTrue();
            assertThat(refused.getMessage()).contains("not released");
            assertThat(Files.size(s.guard().file())).as("the failed record was rolled back").isEqualTo(before);
            assertThat(s.guard().watermark(KEY, SigningKind.VOTE)).get().extracting(w -> w.round()).isEqualTo(refusedRound - 1);
            // With room again the same request succeeds, and the store reopens with it.
            Files.delete(filler);
            Signature later = s.sign(req(1, refusedRound, SigningKind.VOTE, "r" + refusedRound));
            assertThat(later.repeated()).isFalse();
            s.guard().close();
            s = signer(mnt.resolve("guard"));
            Signature again = s.sign(req(1, refusedRound, SigningKind.VOTE, "r" + refusedRound));
            assertThat(again.repeated()).isTrue();
            assertThat(again.bytes()).isEqualTo(later.bytes());
        } finally {
            if (s != null) {
                s.guard().close();
            }
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void signaturesMatchTheOfficialBlsVectors() throws IOException {
        Path vectors = Path.of(System.getProperty("backplane.vectors", "../../shared/vectors"), "bls12-381-tests", "v0.1.2", "sign");
        assertThat(vectors).as("the official BLS vectors (../shared/vectors)").isDirectory();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        int checked = 0;
        try (var files = Files.list(vectors)) {
            for (Path f : files.sorted().toList()) {
                var doc = mapper.readTree(f.toFile());
                byte[] sk = HexFormat.of().parseHex(doc.at("/input/privkey").asText().substring(2));
                byte[] msg = HexFormat.of().parseHex(doc.at("/input/message").asText().substring(2));
                if (doc.get("output").isNull()) {
                    assertThatThrownBy(() -> Bls.sign(sk, msg)).as(f.toString()).isInstanceOf(IllegalArgumentException.class);
                } else {
                    // Through the guard, as consensus will call it.
                    String id = "v" + checked;
                    GuardedSigning g = new GuardedSigning(SigningGuard.open(dir.resolve(id)), Bls.inMemory(id, sk), SigningListener.NONE);
                    Signature sig = g.sign(new SigningRequest(id, 0, 0, SigningKind.VOTE, msg));
                    assertThat(sig.hex()).as(f.toString()).isEqualTo(doc.get("output").asText().substring(2));
                    g.guard().close();
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }
}
