package io.backplane.accel.bls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BlsCpuTest {
    private static final long SEED = Long.getLong("backplane.seed", 0x5eedb15L);
    private final BlsCpu bls = new BlsCpu();

    private byte[] ikm(Random rnd) {
        byte[] b = new byte[32];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void possessionVerifiesOnlyUnderThePopTagForItsOwnKey() {
        Random rnd = new Random(SEED);
        byte[] sk = BlsTestKeys.keyGen(ikm(rnd));
        byte[] pk = BlsTestKeys.publicKey(sk);
        byte[] other = BlsTestKeys.publicKey(BlsTestKeys.keyGen(ikm(rnd)));
        byte[] proof = BlsTestKeys.sign(sk, pk, BlsCpu.POP_DST); // PopProve; hsm-keystore's Bls.provePossession is the real one
        assertThat(bls.verifyPossession(pk, proof)).isTrue();
        assertThat(bls.verifyPossession(BlsPublicKey.decode(pk), BlsSignature.decode(proof))).isTrue();
        assertThat(bls.verifyPossession(other, proof)).as("another key").isFalse();
        assertThat(bls.verifyPossession(pk, BlsTestKeys.sign(sk, pk))).as("the signature tag is not the POP tag").isFalse();
        assertThat(bls.verify(pk, pk, proof)).as("a proof is not a signature").isFalse();
        byte[] identity = new byte[96];
        identity[0] = (byte) 0xc0;
        assertThat(bls.verifyPossession(pk, identity)).as("the identity").isFalse();
        assertThat(bls.verifyPossession(pk, new byte[5])).as("truncated").isFalse();
        assertThat(bls.verifyPossession(null, proof)).isFalse();
        byte[] infinityKey = new byte[48];
        infinityKey[0] = (byte) 0xc0;
        assertThat(bls.verifyPossession(infinityKey, proof)).as("KeyValidate").isFalse();
    }

    @Test
    void badInputVerifiesFalseAndNeverThrows() {
        byte[] sk = BlsTestKeys.keyGen(new byte[32]);
        byte[] pk = BlsTestKeys.publicKey(sk);
        byte[] sig = BlsTestKeys.sign(sk, new byte[] {1});
        assertThat(bls.verify(null, new byte[] {1}, sig)).isFalse();
        assertThat(bls.verify(pk, null, sig)).isFalse();
        assertThat(bls.verify(Arrays.copyOf(pk, 47), new byte[] {1}, sig)).isFalse();
        assertThat(bls.verify(pk, new byte[] {1}, Arrays.copyOf(sig, 97))).isFalse();
        assertThat(bls.aggregateSignatures(Arrays.asList(sig, null))).isEmpty();
        assertThat(bls.aggregatePublicKeys(List.of())).isEmpty();
        assertThat(bls.fastAggregateVerify(List.of(), new byte[] {1}, sig)).isFalse();
        assertThat(bls.aggregateVerify(List.of(pk), List.of(), sig)).isFalse();
        assertThatThrownBy(() -> BlsPublicKey.decode(new byte[48])).isInstanceOf(BlsEncodingException.class)
                .hasMessageContaining("compression flag");
    }

    @Test
    void aggregationOfValidatedPointsMatchesTheSpecPath() {
        Random rnd = new Random(SEED);
        byte[] msg = "block 7".getBytes();
        List<byte[]> pks = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        List<BlsPublicKey> decoded = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] sk = BlsTestKeys.keyGen(ikm(rnd));
            pks.add(BlsTestKeys.publicKey(sk));
            sigs.add(BlsTestKeys.sign(sk, msg));
            decoded.add(BlsPublicKey.decode(pks.get(i)));
        }
        byte[] agg = bls.aggregateSignatures(sigs).orElseThrow();
        assertThat(bls.aggregateValidatedSignatures(sigs.stream().map(BlsSignature::decode).toList()).toBytes()).isEqualTo(agg);
        assertThat(bls.fastAggregateVerify(pks, msg, agg)).isTrue();
        assertThat(bls.fastAggregateVerifyValidated(decoded, msg, BlsSignature.decode(agg))).isTrue();
        assertThat(bls.verify(bls.aggregatePublicKeys(pks).orElseThrow(), msg, agg)).isTrue();
        assertThat(bls.fastAggregateVerify(pks.subList(0, 7), msg, agg)).isFalse();
        assertThat(bls.aggregateVerify(pks, java.util.Collections.nCopies(8, msg), agg)).isTrue();
    }

    /**
     * Per-triple batch answers equal single verification on 256 triples, with nulls and {@code batchVerifyAll}; the
     * issue's 10 000-triple differential run (CPU and device) is {@link BlsDifferentialIT}.
     */
    @Test
    void batchAnswersEqualSingleVerificationWithForgeriesMixedIn() {
        Random rnd = new Random(SEED);
        int n = 256;
        List<BlsSignatureSet> sets = BlsRandomSets.mixed(bls, rnd, n);
        boolean[] batch = bls.batchVerify(sets);
        int valid = 0;
        for (int i = 0; i < sets.size(); i++) {
            BlsSignatureSet s = sets.get(i);
            assertThat(batch[i]).as("seed %d triple %d", SEED, i)
                    .isEqualTo(bls.verify(s.publicKey(), s.message(), s.signature()));
            valid += batch[i] ? 1 : 0;
        }
        assertThat(valid).as("the mix holds both valid and invalid triples").isBetween(n / 4, n * 3 / 4);
        assertThat(bls.batchVerifyAll(sets)).isFalse();
        assertThat(bls.batchVerify(List.of())).isEmpty();
        // A null triple or null parts are per-item false, not an exception for the batch.
        List<BlsSignatureSet> withNulls = new java.util.ArrayList<>(sets.subList(0, 4));
        withNulls.add(null);
        withNulls.add(new BlsSignatureSet(null, new byte[1], null));
        boolean[] nb = bls.batchVerify(withNulls);
        assertThat(nb).hasSize(6);
        assertThat(nb[4]).isFalse();
        assertThat(nb[5]).isFalse();
        for (int i = 0; i < 4; i++) {
            assertThat(nb[i]).isEqualTo(batch[i]);
        }
    }
}
