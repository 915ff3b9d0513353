package io.backplane.accel.vdf;

import static io.backplane.accel.TestVectors.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.backplane.accel.TestVectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WesolowskiTest {
    static final BigInteger N = Rsa2048.N;

    static VdfProof proof(JsonNode c) {
        return new VdfProof(HEX.parseHex(c.get("x").asText()), HEX.parseHex(c.get("y").asText()),
                HEX.parseHex(c.get("proof").asText()), c.get("t").asLong());
    }

    @Test
    void modulusIsTheRsa2048ChallengeNumber() throws Exception {
        assertThat(Rsa2048.DECIMAL).hasSize(617);
        assertThat(HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(Rsa2048.DECIMAL.getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("b3c2468add10e2a0c4a251d9d2bac4ba04d4b3527156ceead43a1305e03f1fc0");
        assertThat(N.bitLength()).isEqualTo(2048);
    }

    @Test
    void verifiesEveryGoldenCaseAsTheIndependentImplementationDid() {
        JsonNode cases = TestVectors.json("backplane/vdf-wesolowski-rsa2048.json").get("cases");
        assertThat(cases.size()).isEqualTo(28);
        for (JsonNode c : cases) {
            assertThat(Wesolowski.verify(proof(c))).as("t=%d %s", c.get("t").asLong(), c.path("why").asText("valid"))
                    .isEqualTo(c.get("valid").asBoolean());
        }
    }

    @Test
    void hashToPrimeMatchesTheGoldenChallengePrimes() {
        for (JsonNode c : TestVectors.json("backplane/vdf-wesolowski-rsa2048.json").get("cases")) {
            if (c.get("valid").asBoolean()) {
                VdfProof p = proof(c);
                assertThat(Wesolowski.hashToPrime(p.x(), p.y(), p.t()).toString(16)).as("t=%d", p.t()).isEqualTo(c.get("l").asText());
            }
        }
    }

    @Test
    void evaluateReproducesTheGoldenOutputs() {
        for (JsonNode c : TestVectors.json("backplane/vdf-wesolowski-rsa2048.json").get("cases")) {
            if (c.get("valid").asBoolean() && c.get("t").asLong() <= 4096) {
                VdfOutput out = Wesolowski.evaluate(HEX.parseHex(c.get("x").asText()), c.get("t").asLong());
                assertThat(HEX.formatHex(out.y())).isEqualTo(c.get("y").asText());
                assertThat(HEX.formatHex(out.proof())).isEqualTo(c.get("proof").asText());
            }
        }
    }

    @Test
    void evaluateThenVerifyRoundTripsAndTamperingIsRejected() {
        long seed = 77;
        Random rnd = new Random(seed);
        for (long t : new long[]{1, 2, 5, 64, 300}) {
            BigInteger xi = Wesolowski.canon(new BigInteger(2040, rnd).add(BigInteger.TWO));
            byte[] x = Wesolowski.toBytes(xi);
            VdfOutput out = Wesolowski.evaluate(x, t);
            assertThat(Wesolowski.verify(new VdfProof(x, out.y(), out.proof(), t))).as("t=%d seed=%d", t, seed).isTrue();
            assertThat(Wesolowski.verify(new VdfProof(x, bump(out.y()), out.proof(), t))).as("tampered y").isFalse();
            assertThat(Wesolowski.verify(new VdfProof(x, out.y(), bump(out.proof()), t))).as("tampered proof").isFalse();
            assertThat(Wesolowski.verify(new VdfProof(x, out.y(), out.proof(), t + 1))).as("tampered t").isFalse();
            assertThat(Wesolowski.verify(new VdfProof(bump(x), out.y(), out.proof(), t))).as("tampered x").isFalse();
            byte[] ny = Wesolowski.toBytes(N.subtract(new BigInteger(1, out.y())));
            byte[] np = Wesolowski.toBytes(N.subtract(new BigInteger(1, out.proof())));
            assertThat(Wesolowski.verify(new VdfProof(x, ny, np, t))).as("(N-y, N-proof) is not canonical").isFalse();
        }
    }

    @Test
    void malformedInputsAreRefusedWithTheFieldNamed() {
        byte[] ok = Wesolowski.toBytes(BigInteger.TWO);
        assertThatThrownBy(() -> new VdfProof(new byte[255], ok, ok, 1)).hasMessageContaining("x: must be 256 bytes, got 255");
        assertThatThrownBy(() -> new VdfProof(ok, new byte[256], ok, 1)).hasMessageContaining("y: must be in [1, N-1]");
        assertThatThrownBy(() -> new VdfProof(ok, ok, Wesolowski.toBytes(N), 1)).hasMessageContaining("proof: must be in [1, N-1]");
        assertThatThrownBy(() -> new VdfProof(ok, ok, ok, 0)).hasMessageContaining("t: must be in [1, 2^40]");
        assertThatThrownBy(() -> new VdfProof(ok, ok, ok, Long.MAX_VALUE)).hasMessageContaining("t: must be in");
        assertThatThrownBy(() -> Wesolowski.evaluate(Wesolowski.toBytes(N.subtract(BigInteger.TWO)), 3)).hasMessageContaining("x: not canonical");
    }

    @Test
    void bailliePswAgreesWithTrialDivisionAndTheJdkOnManyNumbers() {
        long seed = 1_000_003;
        Random rnd = new Random(seed);
        for (int i = 2; i < 5000; i++) {
            assertThat(BailliePsw.isProbablePrime(BigInteger.valueOf(i))).as("%d", i).isEqualTo(BigInteger.valueOf(i).isProbablePrime(50));
        }
        for (int i = 0; i < 2000; i++) {
            BigInteger c = new BigInteger(128, rnd).setBit(127).setBit(0);
            assertThat(BailliePsw.isProbablePrime(c)).as("%s seed=%d", c, seed).isEqualTo(c.isProbablePrime(64));
        }
        // Strong pseudoprimes to base 2 (and Carmichael numbers) that BPSW must reject.
        for (long psp : new long[]{2047, 3277, 4033, 4681, 8321, 561, 1105, 1729, 3215031751L}) {
            assertThat(BailliePsw.isProbablePrime(BigInteger.valueOf(psp))).as("%d", psp).isFalse();
        }
    }

    static byte[] bump(byte[] v) {
        BigInteger b = new BigInteger(1, v).add(BigInteger.ONE);
        if (b.compareTo(N.shiftRight(1)) > 0) {
            b = BigInteger.TWO;
        }
        return Wesolowski.toBytes(b);
    }
}
