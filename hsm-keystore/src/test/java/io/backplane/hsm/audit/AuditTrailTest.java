package io.backplane.hsm.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.SigningKind;
import io.backplane.hsm.Watermark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #10, item 3: the audit trail sees double signs (two digests for one slot) and reports bytes appended after its
 * last entry instead of cutting them. The anchor is kept in memory here (the keystore's is in the token), and the
 * checkpoint key is a JDK EC key (the keystore's is in the token).
 */
class AuditTrailTest extends AuditLogFixture {
    AuditLog log() {
        return log(java.util.List.of());
    }

    static Map<String, String> sign(String kind, long epoch, long round, String sha) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kind", kind);
        d.put("epoch", Long.toString(epoch));
        d.put("round", Long.toString(round));
        d.put("sha256", sha);
        return d;
    }

    @Test
    void twoDifferentDigestsSignedForOneSlotAreReportedAsADoubleSign() {
        String a = "aa".repeat(32);
        String b = "bb".repeat(32);
        try (AuditLog log = log()) {
            log.append("sign", "bls-1", sign("vote", 1, 5, a));
            log.append("sign-repeat", "bls-1", sign("vote", 1, 5, a));
            log.append("sign", "bls-1", sign("vote", 1, 6, b));
            log.append("sign", "bls-1", sign("timeout", 1, 5, b)); // another kind: its own slot
            log.append("sign", "bls-2", sign("vote", 1, 5, b)); // another key
            assertThat(log.signedWatermarks()).isEmpty(); // evidence is read at open
        }
        AuditVerifier.Result clean = verify();
        assertThat(clean.ok()).as(clean.problems().toString()).isTrue();
        try (AuditLog log = log()) {
            assertThat(log.signedWatermarks()).containsExactlyInAnyOrder(new Watermark("bls-1", SigningKind.VOTE, 1, 6),
                    new Watermark("bls-1", SigningKind.TIMEOUT, 1, 5), new Watermark("bls-2", SigningKind.VOTE, 1, 5));
            log.append("sign", "bls-1", sign("vote", 1, 5, b));
        }
        AuditVerifier.Result doubled = verify();
        assertThat(doubled.ok()).isFalse();
        assertThat(doubled.problems()).singleElement().asString().contains("double sign").contains("bls-1 vote at epoch 1 round 5")
                .contains("sha256 " + a).contains("sha256 " + b).contains("line 1");
    }

    @Test
    void garbageAfterTheLastEntryIsReportedAndRefusedNotCut() throws Exception {
        try (AuditLog log = log()) {
            log.append("bls-generate", "bls-1", Map.of("publicKey", "00"));
        }
        byte[] good = Files.readAllBytes(file);
        for (String garbage : new String[] {"garbage", "garbage\n", "{\"seq\":7,\"time\"", "\n"}) {
            Files.write(file, good);
            Files.writeString(file, garbage, StandardOpenOption.APPEND);
            AuditVerifier.Result r = verify();
            assertThat(r.ok()).as(garbage).isFalse();
            assertThatThrownBy(this::log).as(garbage).isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString())
                    .hasMessageContaining("offset " + good.length).hasMessageContaining("refusing to append");
            assertThat(Files.readAllBytes(file)).as("nothing cut: " + garbage).hasSize(good.length + garbage.getBytes(StandardCharsets.UTF_8).length);
        }
        // A torn write of the next entry (it begins as that entry must) is cut at open.
        Files.write(file, good);
        long next = new String(good, StandardCharsets.UTF_8).lines().count();
        Files.writeString(file, "{\"seq\":" + next + ",\"time\":\"20", StandardOpenOption.APPEND);
        try (AuditLog log = log()) {
            assertThat(Files.readAllBytes(file)).as("cut back to the last entry").isEqualTo(good);
            log.append("after", "y", Map.of());
        }
        AuditVerifier.Result ok = verify();
        assertThat(ok.ok()).as(ok.problems().toString()).isTrue();
    }
}
