package io.backplane.accel.ed25519;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The MSM batch verifier against Bouncy Castle's single verification (the reference) on every external vector and on
 * seeded random mixes; weights are seeded here so a failure replays ({@code -Dbackplane.seed=N}).
 */
class Ed25519BatchTest {
    private static final long SEED = Long.getLong("backplane.seed", 0xba7c4L);
    private final Ed25519Cpu reference = new Ed25519Cpu();

    private static Ed25519Batch seeded(long seed) {
        Random r = new Random(seed);
        return new Ed25519Batch(r::nextBytes);
    }

    private static List<Ed25519Item> valid(Random rnd, int n) {
        List<Ed25519Item> out = new ArrayList<>();
        while (out.size() < n) {
            for (Ed25519Item it : Ed25519RandomItems.mixed(rnd, 64)) {
                if (out.size() < n && new Ed25519Cpu().verify(it)) {
                    out.add(it);
                }
            }
        }
        return out;
    }

    @Test
    void everyVectorGetsBouncyCastlesAnswerInOneBatch() {
        List<Ed25519VectorCases> cases = Ed25519VectorCases.all();
        boolean[] got = seeded(SEED).verify(cases.stream().map(Ed25519VectorCases::item).toList());
        for (int i = 0; i < cases.size(); i++) {
            assertThat(got[i]).as(cases.get(i).name()).isEqualTo(cases.get(i).expected())
                    .isEqualTo(reference.verify(cases.get(i).item()));
        }
    }

    @Test
    void everyVectorBouncyCastleAcceptsPassesTheCofactoredEquationWithoutFallingBack() {
        // Small-order R, mixed-order A, torsion in the residue (CCTV, speccheck): the batch equation itself must accept
        // them, in one multi-scalar multiplication, or the batch would fall back on every honest mempool batch.
        List<Ed25519Item> accepted = Ed25519VectorCases.all().stream().map(Ed25519VectorCases::item)
                .filter(reference::verify).toList();
        assertThat(accepted).hasSizeGreaterThan(600);
        Ed25519Batch batch = seeded(SEED + 1);
        boolean[] got = batch.verify(accepted);
        assertThat(got).doesNotContain(false);
        assertThat(batch.multiScalarMults()).isEqualTo((accepted.size() + Ed25519Batch.CHUNK - 1) / Ed25519Batch.CHUNK);
        assertThat(batch.singleVerifies()).isZero();
    }

    @Test
    void eachVectorInsideAnHonestBatchIsAnsweredAsBouncyCastleAnswersIt() {
        Random rnd = new Random(SEED);
        List<Ed25519Item> honest = valid(rnd, 20); // 21 candidates at most: above MIN_MSM, so the MSM judges the vector
        Ed25519Batch batch = seeded(SEED + 2);
        for (Ed25519VectorCases c : Ed25519VectorCases.all()) {
            List<Ed25519Item> items = new ArrayList<>(honest);
            int at = rnd.nextInt(items.size() + 1);
            items.add(at, c.item());
            boolean[] got = batch.verify(items);
            for (int i = 0; i < items.size(); i++) {
                assertThat(got[i]).as("%s at %d, item %d", c.name(), at, i).isEqualTo(i == at ? c.expected() : true);
            }
        }
    }

    @Test
    void seededRandomMixesGetBouncyCastlesAnswers() {
        Random rnd = new Random(SEED);
        Ed25519Batch batch = seeded(SEED + 3);
        for (int size : new int[]{1, 2, 5, 17, 64, 200, 1000}) {
            List<Ed25519Item> items = Ed25519RandomItems.mixed(rnd, size);
            boolean[] got = batch.verify(items);
            for (int i = 0; i < size; i++) {
                assertThat(got[i]).as("seed %d size %d item %d", SEED, size, i).isEqualTo(reference.verify(items.get(i)));
            }
        }
    }

    @Test
    void oneForgeryAmongManyCostsOnlyItsChunkInSingleVerifies() {
        Random rnd = new Random(SEED);
        List<Ed25519Item> items = new ArrayList<>(valid(rnd, 256));
        int bad = rnd.nextInt(items.size());
        Ed25519Item v = items.get(bad);
        byte[] msg = Arrays.copyOf(v.message(), v.message().length + 1);
        items.set(bad, new Ed25519Item(v.publicKey(), msg, v.signature()));
        Ed25519Batch batch = seeded(SEED + 4);
        boolean[] got = batch.verify(items);
        for (int i = 0; i < items.size(); i++) {
            assertThat(got[i]).as("item %d (forged: %d)", i, bad).isEqualTo(i != bad);
        }
        assertThat(batch.singleVerifies()).isEqualTo(Ed25519Batch.CHUNK);
        assertThat(batch.multiScalarMults()).isEqualTo(256 / Ed25519Batch.CHUNK);
    }

    @Test
    void aFloodOfForgeriesGoesToSingleVerificationAfterTwoFailingChunks() {
        List<Ed25519Item> items = new ArrayList<>();
        for (Ed25519Item v : valid(new Random(SEED), 640)) {
            byte[] sig = v.signature().clone();
            sig[40] ^= 1; // S changes and stays below L: a well-formed forgery
            items.add(new Ed25519Item(v.publicKey(), v.message(), sig));
        }
        Ed25519Batch batch = seeded(SEED + 6);
        assertThat(batch.verify(items)).doesNotContain(true);
        assertThat(batch.multiScalarMults()).isEqualTo(2);
        assertThat(batch.singleVerifies()).isEqualTo(640);
    }

    @Test
    void forgeriesWhoseErrorsCancelInAnUnweightedSumAreStillFound() {
        // S1 + 1 and S2 - 1: Σ ([S_i]B - R_i - [k_i]A_i) is zero, so only the random weights tell the two forgeries apart.
        List<Ed25519Item> items = new ArrayList<>(valid(new Random(SEED), 64));
        for (int i = 0; i < 2; i++) {
            Ed25519Item v = items.get(10 + i);
            java.math.BigInteger s = Ed25519RandomItems.fromLe(v.signature(), 32);
            s = i == 0 ? s.add(java.math.BigInteger.ONE) : s.subtract(java.math.BigInteger.ONE);
            assertThat(s.signum() > 0 && s.compareTo(Ed25519RandomItems.L) < 0).isTrue();
            byte[] sig = v.signature().clone();
            System.arraycopy(Ed25519RandomItems.le32(s), 0, sig, 32, 32);
            items.set(10 + i, new Ed25519Item(v.publicKey(), v.message(), sig));
        }
        boolean[] got = new Ed25519Batch().verify(items);
        for (int i = 0; i < items.size(); i++) {
            assertThat(got[i]).as("item %d", i).isEqualTo(i != 10 && i != 11);
        }
    }

    @Test
    void anHonestBatchTakesOneMultiScalarMultiplicationPerChunk() {
        Ed25519Batch batch = seeded(SEED + 5);
        assertThat(batch.verify(valid(new Random(SEED), 300))).doesNotContain(false);
        assertThat(batch.multiScalarMults()).isEqualTo((300 + Ed25519Batch.CHUNK - 1) / Ed25519Batch.CHUNK);
        assertThat(batch.singleVerifies()).isZero();
    }

    @Test
    void malformedItemsAreFalseAndTheRestStillVerify() {
        List<Ed25519Item> items = new ArrayList<>(valid(new Random(SEED), 8));
        items.add(2, null);
        items.add(3, new Ed25519Item(null, new byte[0], new byte[64]));
        items.add(new Ed25519Item(new byte[31], new byte[0], new byte[64]));
        items.add(new Ed25519Item(new byte[32], null, new byte[64]));
        boolean[] got = new Ed25519Batch().verify(items);
        for (int i = 0; i < items.size(); i++) {
            assertThat(got[i]).as("item %d", i).isEqualTo(i != 2 && i != 3 && i < 10);
        }
        assertThat(new Ed25519Batch().verify(List.of())).isEmpty();
    }
}
