package io.backplane.accel.bls;

import static io.backplane.accel.Vectors.hex;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import supranational.blst.P2;

/** Every case of the official Ethereum BLS vectors (v0.1.2 and master-unreleased) and Wycheproof's POP file. */
class BlsOfficialVectorsTest {
    private static final BlsCpu BLS = new BlsCpu();
    private static final AtomicInteger RUN = new AtomicInteger();

    private static Path suite() {
        return Vectors.root().resolve("bls12-381-tests");
    }

    @TestFactory
    Stream<DynamicTest> everyOfficialCasePasses() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String release : List.of("v0.1.2", "master-unreleased")) {
            Path base = suite().resolve(release);
            for (String handler : List.of("sign", "verify", "aggregate", "fast_aggregate_verify", "aggregate_verify",
                    "batch_verify", "hash_to_G2", "deserialization_G1", "deserialization_G2")) {
                Path dir = base.resolve(handler);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                for (Path f : Vectors.jsonFiles(dir)) {
                    tests.add(DynamicTest.dynamicTest(release + "/" + handler + "/" + f.getFileName(), () -> {
                        check(handler, Vectors.json(f));
                        RUN.incrementAndGet();
                    }));
                }
            }
        }
        return tests.stream();
    }

    @AfterAll
    static void noCaseWasLeftOut() {
        // 98 cases in v0.1.2 and 6 in master-unreleased (../shared/vectors/README.md): a missing folder must fail.
        assertThat(RUN.get()).isEqualTo(104);
    }

    private static List<byte[]> hexList(JsonNode array) {
        List<byte[]> out = new ArrayList<>();
        array.forEach(n -> out.add(hex(n.asText())));
        return out;
    }

    private static void check(String handler, JsonNode c) {
        JsonNode in = c.get("input");
        JsonNode out = c.get("output");
        switch (handler) {
            case "sign" -> {
                byte[] sk = hex(in.get("privkey").asText());
                byte[] msg = hex(in.get("message").asText());
                if (out.isNull()) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BlsTestKeys.sign(sk, msg))
                            .isInstanceOf(IllegalArgumentException.class);
                } else {
                    byte[] sig = BlsTestKeys.sign(sk, msg);
                    assertThat(sig).isEqualTo(hex(out.asText()));
                    assertThat(BLS.verify(BlsTestKeys.publicKey(sk), msg, sig)).isTrue();
                }
            }
            case "verify" -> assertThat(BLS.verify(hex(in.get("pubkey").asText()), hex(in.get("message").asText()),
                    hex(in.get("signature").asText()))).isEqualTo(out.asBoolean());
            case "aggregate" -> {
                Optional<byte[]> agg = BLS.aggregateSignatures(hexList(in));
                if (out.isNull()) {
                    assertThat(agg).isEmpty();
                } else {
                    assertThat(agg).get().isEqualTo(hex(out.asText()));
                }
            }
            case "fast_aggregate_verify" -> assertThat(BLS.fastAggregateVerify(hexList(in.get("pubkeys")),
                    hex(in.get("message").asText()), hex(in.get("signature").asText()))).isEqualTo(out.asBoolean());
            case "aggregate_verify" -> assertThat(BLS.aggregateVerify(hexList(in.get("pubkeys")),
                    hexList(in.get("messages")), hex(in.get("signature").asText()))).isEqualTo(out.asBoolean());
            case "batch_verify" -> {
                List<byte[]> pks = hexList(in.get("pubkeys"));
                List<byte[]> msgs = hexList(in.get("messages"));
                List<byte[]> sigs = hexList(in.get("signatures"));
                List<BlsSignatureSet> sets = new ArrayList<>();
                for (int i = 0; i < pks.size(); i++) {
                    sets.add(new BlsSignatureSet(pks.get(i), msgs.get(i), sigs.get(i)));
                }
                assertThat(BLS.batchVerifyAll(sets)).isEqualTo(out.asBoolean());
                // Per-triple answers must equal single verification.
                boolean[] each = BLS.batchVerify(sets);
                for (int i = 0; i < sets.size(); i++) {
                    assertThat(each[i]).as("triple %d", i).isEqualTo(BLS.verify(pks.get(i), msgs.get(i), sigs.get(i)));
                }
            }
            case "hash_to_G2" -> {
                // The RFC's test tag, not our DST: checks blst's hash_to_curve as wired here.
                byte[] msg = in.get("msg").asText().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                byte[] xy = new P2().hash_to(msg, "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_").serialize();
                HexFormat h = HexFormat.of();
                String x = "0x" + h.formatHex(xy, 48, 96) + ",0x" + h.formatHex(xy, 0, 48);
                String y = "0x" + h.formatHex(xy, 144, 192) + ",0x" + h.formatHex(xy, 96, 144);
                assertThat(x).isEqualTo(out.get("x").asText());
                assertThat(y).isEqualTo(out.get("y").asText());
            }
            case "deserialization_G1" -> assertThat(decodes(() -> BlsPublicKey.decodeG1(hex(in.get("pubkey").asText()))))
                    .isEqualTo(out.asBoolean());
            case "deserialization_G2" -> assertThat(decodes(() -> BlsSignature.decode(hex(in.get("signature").asText()))))
                    .isEqualTo(out.asBoolean());
            default -> throw new IllegalStateException("unknown handler " + handler);
        }
    }

    private static boolean decodes(Runnable r) {
        try {
            r.run();
            return true;
        } catch (BlsEncodingException e) {
            assertThat(e.getMessage()).isNotBlank();
            return false;
        }
    }

    @Test
    void everyWycheproofCaseOfOurCiphersuitePasses() {
        JsonNode file = Vectors.json(Vectors.root().resolve("wycheproof/testvectors_v1/bls_sig_g2_pop_verify_test.json"));
        int n = 0;
        for (JsonNode group : file.get("testGroups")) {
            assertThat(group.get("ciphersuite").asText()).isEqualTo(BlsCpu.DST);
            byte[] pk = hex(group.get("publicKey").get("pk").asText());
            for (JsonNode t : group.get("tests")) {
                boolean expected = t.get("result").asText().equals("valid");
                assertThat(BLS.verify(pk, hex(t.get("msg").asText()), hex(t.get("sig").asText())))
                        .as("tcId %d (%s)", t.get("tcId").asInt(), t.get("comment").asText()).isEqualTo(expected);
                // The same triple through the batch path must give the same answer.
                boolean[] b = BLS.batchVerify(List.of(new BlsSignatureSet(pk, hex(t.get("msg").asText()), hex(t.get("sig").asText()))));
                assertThat(b[0]).isEqualTo(expected);
                n++;
            }
        }
        assertThat(n).isEqualTo(file.get("numberOfTests").asInt());
    }
}
