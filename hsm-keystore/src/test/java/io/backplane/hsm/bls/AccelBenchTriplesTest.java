package io.backplane.hsm.bls;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.accel.bench.AccelBenchmark;
import io.backplane.accel.bls.BlsCpu;
import io.backplane.accel.bls.BlsSignatureSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * accel-kernels verifies but does not sign, so its benchmark and start-up calibration read BLS triples that this
 * module's {@link Bls} signed once ({@link AccelBenchmark#BLS_POOL_RESOURCE}). Signs them again from the same seed and
 * checks the shipped file byte for byte, and that every triple verifies.
 */
class AccelBenchTriplesTest {
    @Test
    void shippedBenchmarkTriplesAreWhatBlsSignsFromTheirSeed() {
        List<byte[][]> shipped = AccelBenchmark.readBlsPool();
        Random rnd = new Random(AccelBenchmark.BLS_POOL_SEED);
        List<BlsSignatureSet> sets = new ArrayList<>();
        for (int i = 0; i < shipped.size(); i++) {
            byte[] ikm = new byte[32];
            rnd.nextBytes(ikm);
            byte[] sk = Bls.keyGen(ikm);
            byte[] msg = new byte[32];
            rnd.nextBytes(msg);
            byte[][] t = shipped.get(i);
            assertThat(t[0]).as("triple %d public key", i).isEqualTo(Bls.publicKey(sk));
            assertThat(t[1]).as("triple %d message", i).isEqualTo(msg);
            assertThat(t[2]).as("triple %d signature", i).isEqualTo(Bls.sign(sk, msg));
            sets.add(new BlsSignatureSet(t[0], t[1], t[2]));
        }
        assertThat(shipped).hasSize(256);
        assertThat(new BlsCpu().batchVerifyAll(sets)).isTrue();
    }
}
