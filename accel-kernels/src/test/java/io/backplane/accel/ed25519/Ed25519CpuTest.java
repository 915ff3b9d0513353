package io.backplane.accel.ed25519;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

class Ed25519CpuTest {
    private static final long SEED = Long.getLong("backplane.seed", 0xed25519L);
    private final Ed25519Cpu cpu = new Ed25519Cpu();

    @Test
    void everyVectorWithAStatedAnswerGetsIt() {
        List<Ed25519VectorCases> cases = Ed25519VectorCases.all();
        for (Ed25519VectorCases c : cases) {
            assertThat(cpu.verify(c.item())).as(c.name()).isEqualTo(c.expected());
        }
        // 151 Wycheproof + 514 + 5 ring + 12 speccheck + 914 CCTV: a missing file must fail, not shrink the test.
        assertThat(cases).hasSize(151 + 514 + 5 + 12 + 914);
    }

    @Test
    void ringSeedsSignToTheVectorSignatures() {
        for (Ed25519VectorCases c : Ed25519VectorCases.ring()) {
            for (String f : c.flags()) {
                byte[] seed = HexFormat.of().parseHex(f.substring("seed:".length()));
                byte[] pk = new byte[32];
                Ed25519.generatePublicKey(seed, 0, pk, 0);
                assertThat(pk).as(c.name()).isEqualTo(c.item().publicKey());
                byte[] sig = new byte[64];
                byte[] m = c.item().message();
                Ed25519.sign(seed, 0, m, 0, m.length, sig, 0);
                assertThat(sig).as(c.name()).isEqualTo(c.item().signature());
            }
        }
    }

    @Test
    void batchAnswersEqualSingleAnswersOnVectorsAndRandomMixes() {
        List<Ed25519VectorCases> cases = Ed25519VectorCases.all();
        boolean[] batch = cpu.verifyBatch(cases.stream().map(Ed25519VectorCases::item).toList());
        for (int i = 0; i < cases.size(); i++) {
            assertThat(batch[i]).as(cases.get(i).name()).isEqualTo(cpu.verify(cases.get(i).item()));
        }
        List<Ed25519Item> random = Ed25519RandomItems.mixed(new Random(SEED), 2000);
        boolean[] rb = cpu.verifyBatch(random);
        int valid = 0;
        for (int i = 0; i < random.size(); i++) {
            assertThat(rb[i]).as("seed %d item %d", SEED, i).isEqualTo(cpu.verify(random.get(i)));
            valid += rb[i] ? 1 : 0;
        }
        assertThat(valid).isBetween(500, 1500);
    }

    @Test
    void malformedItemsAreFalseNeverAnException() {
        assertThat(cpu.verifyBatch(java.util.Arrays.asList(null, new Ed25519Item(null, null, null),
                new Ed25519Item(new byte[31], new byte[0], new byte[64]), new Ed25519Item(new byte[32], new byte[0], new byte[65]))))
                .containsExactly(false, false, false, false);
    }
}
