package io.backplane.hsm.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.backplane.hsm.DoubleSignRefused;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.Watermark;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #10: every way a guard log can be damaged or lose history, against the anchor kept outside it. For a log of 7
 * records over 2 keys: every single-bit flip at every byte offset and a truncation at every offset either refuses
 * (at open, or by refusing to sign) or yields exactly the intact watermarks, and a conflicting request afterwards is
 * never signed; deletion, emptying and each older prefix are refused, and guard-import (never lowering) recovers.
 */
class GuardLogDamageTest {
    static final String A = "key-a";
    static final String B = "key-b";

    /** The slots of the intact log, in order (key, kind, epoch, round). */
    static final List<SigningRequest> SIGNED = List.of(
            req(A, SigningKind.VOTE, 1, 1), req(B, SigningKind.VOTE, 1, 1), req(A, SigningKind.VOTE, 1, 2),
            req(B, SigningKind.PROPOSAL, 1, 2), req(A, SigningKind.TIMEOUT, 1, 3), req(B, SigningKind.VOTE, 1, 3),
            req(A, SigningKind.VOTE, 2, 0));

    @TempDir
    Path dir;
    Path log;
    byte[] intact;
    /** Where each record starts (and the end of the file last). */
    List<Integer> boundaries;
    List<Watermark> intactWatermarks;
    InMemoryGuardAnchor anchor;

    static SigningRequest req(String key, SigningKind kind, long epoch, long round) {
        return new SigningRequest(key, epoch, round, kind, (key + " " + kind + " " + epoch + "/" + round).getBytes(StandardCharsets.UTF_8));
    }

    static SigningRequest conflicting(SigningRequest r) {
        return new SigningRequest(r.keyId(), r.epoch(), r.round(), r.kind(), "conflicting bytes".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A stub raw signer (8-byte "signatures" over the message's hash): the guard is what is under test, and short
     * records keep the exhaustive loops (8 flips per byte, one open each) within seconds.
     */
    static RawSigner twoKeys() {
        return new RawSigner() {
            @Override
            public byte[] sign(String keyId, byte[] message) {
                return java.util.Arrays.copyOf(SigningGuard.sha256((keyId + new String(message, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)), 8);
            }

            @Override
            public byte[] publicKey(String keyId) {
                return keyId.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    @BeforeEach
    void intactLog() throws IOException {
        anchor = InMemoryGuardAnchor.empty();
        Path d = dir.resolve("g");
        GuardedSigning s = new GuardedSigning(SigningGuard.open(d, anchor), twoKeys(), SigningListener.NONE);
        for (SigningRequest r : SIGNED) {
            s.sign(r);
        }
        intactWatermarks = s.guard().watermarks();
        s.guard().close();
        log = d.resolve("guard.log");
        intact = Files.readAllBytes(log);
        boundaries = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(intact);
        for (int pos = SigningGuard.MAGIC.length; pos < intact.length; pos += 8 + b.getInt(pos)) {
            boundaries.add(pos);
        }
        boundaries.add(intact.length);
        assertThat(boundaries).hasSize(SIGNED.size() + 1);
        assertThat(anchor.read()).contains(intactWatermarks);
        assertThat(intactWatermarks).hasSize(4);
    }

    enum Outcome { REFUSED_AT_OPEN, REFUSES_TO_SIGN, INTACT }

    /** Opens {@code bytes} as the log against a copy of the intact anchor and checks the safety property. */
    Outcome probe(byte[] bytes, String what) throws IOException {
        Files.write(log, bytes);
        SigningGuard g;
        try {
            g = SigningGuard.open(log.getParent(), anchor.copy());
        } catch (GuardStoreException e) {
            assertThat(e.getMessage()).as(what).contains(log.toString());
            assertThat(Files.readAllBytes(log)).as(what + ": a refused log is left as it was").isEqualTo(bytes);
            return Outcome.REFUSED_AT_OPEN;
        }
        try {
            GuardedSigning s = new GuardedSigning(g, twoKeys(), SigningListener.NONE);
            if (g.refusal().isPresent()) {
                for (SigningRequest r : SIGNED) {
                    assertThatThrownBy(() -> s.sign(conflicting(r))).as(what).isInstanceOf(GuardStoreException.class)
                            .hasMessageContaining("missing signed history");
                }
                assertThatThrownBy(() -> s.sign(req(A, SigningKind.VOTE, 9, 9))).as(what + ": refuses everything").isInstanceOf(GuardStoreException.class);
                return Outcome.REFUSES_TO_SIGN;
            }
            if (!g.watermarks().equals(intactWatermarks)) {
                fail(what + ": opened with watermarks " + g.watermarks() + " instead of " + intactWatermarks);
            }
            for (SigningRequest r : SIGNED) {
                try {
                    s.sign(conflicting(r));
                    fail(what + ": released a second signature for " + r.keyId() + " " + r.kind() + " " + r.epoch() + "/" + r.round());
                } catch (DoubleSignRefused expected) {
                    // the property
                }
            }
            return Outcome.INTACT;
        } finally {
            g.close();
        }
    }

    @Test
    void everySingleBitFlipAtEveryOffsetRefusesOrKeepsTheIntactWatermarks() throws IOException {
        int[] counts = new int[Outcome.values().length];
        for (int i = 0; i < intact.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] b = intact.clone();
                b[i] ^= (byte) (1 << bit);
                counts[probe(b, "bit " + bit + " of byte " + i).ordinal()]++;
            }
        }
        System.out.printf("bit flips over %d bytes: %s%n", intact.length, Arrays.toString(counts));
        // CRC32C catches every single-bit error in a complete record; a flip that makes the last record's length run
        // past the end looks torn, but the log without it is behind the anchor: refused too, and nothing is cut.
        assertThat(counts[Outcome.INTACT.ordinal()]).isZero();
        assertThat(counts[Outcome.REFUSED_AT_OPEN.ordinal()]).isEqualTo(intact.length * 8);
    }

    @Test
    void aTruncationAtEveryOffsetRefusesOrKeepsTheIntactWatermarks() throws IOException {
        int[] counts = new int[Outcome.values().length];
        for (int len = 0; len < intact.length; len++) {
            counts[probe(Arrays.copyOf(intact, len), "truncated to " + len).ordinal()]++;
        }
        System.out.printf("truncations over %d bytes: %s%n", intact.length, Arrays.toString(counts));
        assertThat(counts[Outcome.INTACT.ordinal()]).isZero();
        // A cut in the magic is a bad magic, never a fresh start.
        assertThat(probe(Arrays.copyOf(intact, 3), "inside the magic")).isEqualTo(Outcome.REFUSES_TO_SIGN);
    }

    @Test
    void deletionEmptyingAndEveryOlderPrefixAreRefusedUntilGuardImportRestoresTheHistory() throws IOException {
        List<SigningGuard.KeyHistory> history = SigningGuard.readHistory(log.getParent(), null);
        for (int i = 0; i < boundaries.size() - 1; i++) {
            assertThat(probe(Arrays.copyOf(intact, boundaries.get(i)), "older copy with " + i + " records"))
                    .isEqualTo(Outcome.REFUSES_TO_SIGN);
        }
        assertThat(probe(new byte[0], "emptied")).isEqualTo(Outcome.REFUSES_TO_SIGN);
        Files.delete(log);
        try (SigningGuard g = SigningGuard.open(log.getParent(), anchor.copy())) {
            assertThat(g.refusal()).get().asString().contains(log.toString()).contains("missing signed history")
                    .contains(A + " vote needs epoch 2 round 0, the log has none").contains("guard-import");
            // A partial history does not lift it; the whole one does, and nothing is ever lowered.
            g.importHistory(history.subList(1, 2));
            assertThat(g.refusal()).isPresent();
            g.importHistory(history);
            assertThat(g.refusal()).isEmpty();
            assertThat(g.watermarks()).isEqualTo(intactWatermarks);
            assertThat(g.check(conflicting(SIGNED.get(6)), new byte[32])).isInstanceOf(SigningGuard.Refuse.class);
            assertThat(g.check(req(A, SigningKind.VOTE, 2, 1), new byte[32])).isInstanceOf(SigningGuard.Fresh.class);
        }
    }

    @Test
    void onlyATornLastRecordIsCutAndTheCutIsExact() throws IOException {
        int last = boundaries.get(boundaries.size() - 2);
        // A record header cut short at the very end, and a last record cut inside its payload: torn writes.
        for (int len : new int[] {last + 3, last + 8, last + 20, intact.length - 1}) {
            Files.write(log, Arrays.copyOf(intact, len));
            try (SigningGuard g = SigningGuard.open(log.getParent())) {
                assertThat(Files.size(log)).as("cut exactly at the record start").isEqualTo(last);
                assertThat(g.refusal()).isEmpty();
            }
        }
        // A complete last record with a bad CRC is damage, not a torn write.
        byte[] crc = intact.clone();
        crc[intact.length - 1] ^= 1;
        Files.write(log, crc);
        assertThatThrownBy(() -> SigningGuard.open(log.getParent())).isInstanceOf(GuardStoreException.class)
                .hasMessageContaining("damaged at offset " + last).hasMessageContaining("CRC32C mismatch").hasMessageContaining("guard-import");
        assertThat(Files.readAllBytes(log)).as("nothing cut").isEqualTo(crc);
        // An out-of-range length in the last record is damage too.
        byte[] len = intact.clone();
        ByteBuffer.wrap(len).putInt(last, SigningGuard.MAX_RECORD + 1);
        Files.write(log, len);
        assertThatThrownBy(() -> SigningGuard.open(log.getParent())).isInstanceOf(GuardStoreException.class)
                .hasMessageContaining("damaged at offset " + last).hasMessageContaining("outside 1..");
        // A middle record whose length was changed to run past the end, with a complete record inside: damage.
        int prev = boundaries.get(boundaries.size() - 3);
        byte[] swallow = intact.clone();
        ByteBuffer.wrap(swallow).putInt(prev, intact.length - prev - 8 + 1);
        Files.write(log, swallow);
        assertThatThrownBy(() -> SigningGuard.open(log.getParent())).isInstanceOf(GuardStoreException.class)
                .hasMessageContaining("damaged at offset " + prev).hasMessageContaining("a complete record follows inside it");
    }

    /** Crash windows: killed after the log's fsync but before the anchor (ahead: fine) vs. the wrong order (refused). */
    @Test
    void aLogAheadOfItsAnchorIsReanchoredAndAnAnchorAheadOfTheLogIsRefused() throws IOException {
        // The log holds one more record than the anchor: the crash window between the record's fsync and the anchor's
        // update. Its signature was never released. It opens, signs, and the anchor is raised at open.
        InMemoryGuardAnchor lagging = new InMemoryGuardAnchor(GuardAnchor.max(List.of(), intactWatermarks.stream()
                .map(w -> w.keyId().equals(A) && w.kind() == SigningKind.VOTE ? new Watermark(A, SigningKind.VOTE, 1, 2) : w).toList()));
        try (SigningGuard g = SigningGuard.open(log.getParent(), lagging)) {
            assertThat(g.refusal()).isEmpty();
            assertThat(g.watermarks()).isEqualTo(intactWatermarks);
            assertThat(lagging.read()).contains(intactWatermarks);
        }
        // Had the anchor been raised before the log's fsync, a crash between them would leave the anchor ahead: that
        // is indistinguishable from a lost record, so it is refused. Hence the order: log, anchor, release.
        InMemoryGuardAnchor ahead = new InMemoryGuardAnchor(GuardAnchor.max(intactWatermarks, List.of(new Watermark(A, SigningKind.VOTE, 2, 1))));
        try (SigningGuard g = SigningGuard.open(log.getParent(), ahead)) {
            assertThat(g.refusal()).get().asString().contains(A + " vote needs epoch 2 round 1, the log has epoch 2 round 0");
        }
        // A new token (no anchor) over an existing log anchors it; a new home with a new token starts without ceremony.
        InMemoryGuardAnchor none = InMemoryGuardAnchor.empty();
        try (SigningGuard g = SigningGuard.open(log.getParent(), none)) {
            assertThat(g.refusal()).isEmpty();
            assertThat(none.read()).contains(intactWatermarks);
        }
        InMemoryGuardAnchor fresh = InMemoryGuardAnchor.empty();
        try (SigningGuard g = SigningGuard.open(dir.resolve("new"), fresh)) {
            assertThat(g.refusal()).isEmpty();
            assertThat(g.watermarks()).isEmpty();
            assertThat(fresh.read()).isEmpty();
        }
    }

    @Test
    void guardExportReadsWithoutChangingTheLog() throws IOException {
        int last = boundaries.get(boundaries.size() - 2);
        byte[] torn = Arrays.copyOf(intact, intact.length - 5);
        Files.write(log, torn);
        List<SigningGuard.KeyHistory> h = SigningGuard.readHistory(log.getParent(), null);
        assertThat(Files.readAllBytes(log)).as("a torn tail is left for the signer to cut").isEqualTo(torn);
        assertThat(h).extracting(SigningGuard.KeyHistory::keyId).containsExactly(A, B);
        assertThat(h.get(0).watermarks()).extracting(Watermark::round).doesNotContain(0L); // the torn (2, 0) left out
        assertThat(last).isLessThan(torn.length);
        // While a signer holds the lock, export still reads; a missing log has no history and nothing is created.
        Files.write(log, intact);
        try (SigningGuard g = SigningGuard.open(log.getParent())) {
            assertThat(SigningGuard.readHistory(log.getParent(), A)).singleElement().extracting(SigningGuard.KeyHistory::keyId).isEqualTo(A);
        }
        assertThat(SigningGuard.readHistory(dir.resolve("absent"), null)).isEmpty();
        assertThat(dir.resolve("absent")).doesNotExist();
        byte[] damaged = intact.clone();
        damaged[SigningGuard.MAGIC.length + 9] ^= 4;
        Files.write(log, damaged);
        assertThatThrownBy(() -> SigningGuard.readHistory(log.getParent(), null)).isInstanceOf(SigningException.class)
                .hasMessageContaining("damaged at offset " + SigningGuard.MAGIC.length);
        assertThat(Files.readAllBytes(log)).isEqualTo(damaged);
    }
    @Test
    void aSignerWhoseLockFileWasRemovedRefusesSoASecondSignerCannotRaceItToADoubleSign() throws IOException {
        Path d = dir.resolve("locked");
        InMemoryGuardAnchor shared = InMemoryGuardAnchor.empty();
        GuardedSigning first = new GuardedSigning(SigningGuard.open(d, shared), twoKeys(), SigningListener.NONE);
        first.sign(req(A, SigningKind.VOTE, 1, 1));
        // Someone "cleans up" the lock file while the first signer runs: a second signer then gets a lock of its own.
        Files.delete(d.resolve("guard.lock"));
        try (SigningGuard second = SigningGuard.open(d, shared)) {
            GuardedSigning other = new GuardedSigning(second, twoKeys(), SigningListener.NONE);
            assertThatThrownBy(() -> first.sign(req(A, SigningKind.VOTE, 1, 2))).isInstanceOf(GuardStoreException.class)
                    .hasMessageContaining("guard.lock");
            assertThat(other.sign(conflicting(req(A, SigningKind.VOTE, 1, 2))).repeated()).isFalse();
        } finally {
            first.guard().close();
        }
    }
}
