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
    void keyGenIsDeterministicAndRefusesShortKeyingMaterial() {
        Random rnd = new Random(SEED);
        byte[] ikm = ikm(rnd);
        assertThat(bls.keyGen(ikm)).isEqualTo(bls.keyGen(ikm)).hasSize(32);
        assertThat(bls.keyGen(ikm)).isNotEqualTo(bls.keyGen(ikm(rnd)));
        assertThatThrownBy(() -> bls.keyGen(new byte[31])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bytes");
        byte[] sk = bls.keyGen(ikm);
        byte[] msg = "vote".getBytes();
        assertThat(bls.verify(bls.publicKey(sk), msg, bls.sign(sk, msg))).isTrue();
    }

    /**
     * KeyGen of draft-irtf-cfrg-bls-signature-05 §2.3, written out with the JDK's HMAC-SHA256 (independent of blst):
     * salt = SHA-256(salt) each round, PRK = HKDF-Extract(salt, IKM || 0x00), OKM = HKDF-Expand(PRK, 0x0030, 48),
     * SK = OKM mod r, retried while zero.
     */
    private static byte[] draftKeyGen(byte[] ikm) throws Exception {
        byte[] salt = "BLS-SIG-KEYGEN-SALT-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.math.BigInteger sk = java.math.BigInteger.ZERO;
        while (sk.signum() == 0) {
            salt = java.security.MessageDigest.getInstance("SHA-256").digest(salt);
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA256"));
            mac.update(ikm);
            byte[] prk = mac.doFinal(new byte[] {0});
            mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
            byte[] okm = new byte[48];
            byte[] t = new byte[0];
            for (int i = 1, off = 0; off < 48; i++) {
                mac.update(t);
                mac.update(new byte[] {0, 48, (byte) i});
                t = mac.doFinal();
                int len = Math.min(32, 48 - off);
                System.arraycopy(t, 0, okm, off, len);
                off += len;
            }
            sk = new java.math.BigInteger(1, okm).mod(BlsCpu.R);
        }
        byte[] be = sk.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(32, be.length);
        System.arraycopy(be, be.length - len, out, 32 - len, len);
        return out;
    }

    @Test
    void keyGenFollowsTheIetfDraft() throws Exception {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 16; i++) {
            byte[] ikm = new byte[32 + rnd.nextInt(40)];
            rnd.nextBytes(ikm);
            assertThat(bls.keyGen(ikm)).as("seed %d ikm %d", SEED, i).isEqualTo(draftKeyGen(ikm));
        }
    }

    @Test
    void signRefusesKeysOutsideTheScalarField() {
        byte[] r = BlsCpu.R.toByteArray();
        byte[] r32 = Arrays.copyOfRange(r, r.length - 32, r.length);
        assertThatThrownBy(() -> bls.sign(r32, new byte[1])).hasMessageContaining("[1, r-1]");
        assertThatThrownBy(() -> bls.sign(new byte[31], new byte[1])).hasMessageContaining("32 bytes");
    }

    @Test
    void badInputVerifiesFalseAndNeverThrows() {
        byte[] sk = bls.keyGen(new byte[32]);
        byte[] pk = bls.publicKey(sk);
        byte[] sig = bls.sign(sk, new byte[] {1});
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
            byte[] sk = bls.keyGen(ikm(rnd));
            pks.add(bls.publicKey(sk));
            sigs.add(bls.sign(sk, msg));
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
