package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.Watermark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one export document ({@code keys export} and the admin API) on real SoftHSM2 tokens: a key moves to another
 * home of the same token with its guard history (its watermark arrives with it), and every damaged or foreign
 * document is refused with a message naming the problem and changes nothing: no key, no watermark, no audit entry.
 */
class SealedKeyExportIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String freshToken() {
        String label = TestTokens.newToken("sx");
        try (var t = TestTokens.open(label)) {
            t.ensureKek();
        }
        return label;
    }

    private static Keystore open(Path d, String label) {
        return Keystore.open(new Keystore.Options(d, TestTokens.library(), label, "node1", Clock.systemUTC(), 4), TestTokens.TEST_PIN.toCharArray());
    }

    @Test
    void aKeyMovesWithItsWatermarkAndNoDamagedOrForeignExportChangesAnything() throws Exception {
        String label = freshToken();
        String id;
        String export;
        try (Keystore ks = open(dir.resolve("a"), label)) {
            id = ks.generateBls().id();
            ks.sign(new SigningRequest(id, 3, 7, SigningKind.VOTE, "v".getBytes(StandardCharsets.UTF_8)));
            String[] written = new String[1];
            export = SealedKeyExport.export(ks, id, t -> written[0] = t);
            assertThat(written[0]).isEqualTo(export);
            assertThatThrownBy(() -> SealedKeyExport.export(ks, "bls-0000000000000000", t -> { }))
                    .isInstanceOf(SigningException.class).hasMessageContaining("unknown key");
        }
        ObjectNode doc = (ObjectNode) JSON.readTree(export);
        assertThat(doc.get("format").asText()).isEqualTo(SealedKeyExport.FORMAT);
        assertThat(doc.get("id").asText()).isEqualTo(id);

        List<String> damaged = new ArrayList<>(List.of("", "[]", "{", "{\"format\":\"backplane-bls-export/2\"}",
                doc.deepCopy().put("format", "x").toString(),
                doc.deepCopy().put("extra", 1).toString(),
                doc.deepCopy().put("sealed", "zz").toString(),
                doc.deepCopy().put("sealed", 7).toString(),
                doc.deepCopy().put("sealed", doc.get("sealed").asText().substring(2)).toString(),
                doc.deepCopy().put("sealed", flipLastHex(doc.get("sealed").asText())).toString()));
        ObjectNode noSealed = doc.deepCopy();
        noSealed.remove("sealed");
        damaged.add(noSealed.toString());
        ObjectNode noHistory = doc.deepCopy();
        noHistory.remove("guardHistory");
        damaged.add(noHistory.toString());
        damaged.add(doc.deepCopy().put("id", "bls-00000000000000ff").toString());
        damaged.add(doc.deepCopy().put("publicKey", "ab".repeat(48)).toString());
        ObjectNode otherKeysHistory = doc.deepCopy();
        ((ObjectNode) otherKeysHistory.get("guardHistory").get("keys").get(0)).put("keyId", "bls-00000000000000ff");
        damaged.add(otherKeysHistory.toString());
        ObjectNode badHistory = doc.deepCopy();
        badHistory.putObject("guardHistory").put("format", "backplane-guard-history/1").putArray("keys").addObject().put("keyId", 1);
        damaged.add(badHistory.toString());

        try (Keystore ks = open(dir.resolve("b"), label)) {
            List<String> audit = Files.readAllLines(ks.audit().file());
            for (String d : damaged) {
                assertThatThrownBy(() -> SealedKeyExport.importFrom(ks, d, "test")).as(d).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageNotContaining("null");
                assertThat(ks.list()).as("no key after " + d).isEmpty();
                assertThat(ks.guard().watermarks()).as("no watermark after " + d).isEmpty();
                assertThat(Files.readAllLines(ks.audit().file())).as("no audit entry after " + d).isEqualTo(audit);
            }
            Keystore.SealedImport r = SealedKeyExport.importFrom(ks, export, "test");
            assertThat(r.key().id()).isEqualTo(id);
            assertThat(ks.list()).extracting(Keystore.KeyInfo::id).containsExactly(id);
            assertThat(ks.guard().watermarks()).as("the watermark came with the key")
                    .containsExactly(new Watermark(id, SigningKind.VOTE, 3, 7));
            assertThatThrownBy(() -> SealedKeyExport.importFrom(ks, export, "test")).isInstanceOf(SigningException.class)
                    .hasMessageContaining("already exists");
        }
        String other = freshToken();
        try (Keystore ks = open(dir.resolve("c"), other)) {
            assertThatThrownBy(() -> SealedKeyExport.importFrom(ks, export, "test")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not unseal");
            assertThat(ks.list()).isEmpty();
            assertThat(ks.guard().watermarks()).isEmpty();
        }
    }

    private static String flipLastHex(String hex) {
        char last = hex.charAt(hex.length() - 1);
        return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
    }
}
