package io.backplane.node.consensus.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulation's stand-in scheme (moved here from BlsSignatureSchemeTest with the scheme): keys, aggregates, proofs of possession. */
class SimulatedSignaturesTest {
    @Test
    void simulatedSignaturesAreUnforgeableByOtherSimulatedValidators() {
        SimulatedSignatures sim = new SimulatedSignatures();
        SecretSigner a = sim.keyFromSeed(new byte[32]);
        SecretSigner b = sim.keyFromSeed(new byte[] {1, 2, 3});
        QuorumCrypto q = sim.forValidators(new ValidatorSet(1, List.of(new Validator(a.publicKey(), 1, a.proofOfPossession()),
                new Validator(b.publicKey(), 1, b.proofOfPossession()))));
        byte[] msg = "m".getBytes();
        assertThat(q.verify(0, msg, a.sign(msg))).isTrue();
        assertThat(q.verify(0, msg, b.sign(msg))).isFalse();
        BitSet both = new BitSet();
        both.set(0, 2);
        assertThat(q.verifyAggregate(both, msg, q.aggregate(List.of(a.sign(msg), b.sign(msg))))).isTrue();
        assertThat(q.verifyAggregate(both, msg, q.aggregate(List.of(a.sign(msg), a.sign(msg))))).isFalse();
        assertThatThrownBy(() -> new SimulatedSignatures().forValidators(new ValidatorSet(1, List.of(new Validator(a.publicKey(), 1, a.proofOfPossession())))))
                .hasMessageContaining("not made by this simulated scheme");
    }

    @Test
    void theSimulatedSchemeRefusesASetWithoutItsStandInProofOfPossession() {
        SimulatedSignatures sim = new SimulatedSignatures();
        SecretSigner a = sim.keyFromSeed(new byte[32]);
        SecretSigner b = sim.keyFromSeed(new byte[] {1, 2, 3});
        assertThatThrownBy(() -> sim.forValidators(new ValidatorSet(1, List.of(new Validator(a.publicKey(), 1, a.proofOfPossession()),
                new Validator(b.publicKey(), 1, a.proofOfPossession())))))
                .hasMessageContaining("validator 1: proof of possession does not verify");
        assertThatThrownBy(() -> sim.forValidators(new ValidatorSet(1, List.of(new Validator(a.publicKey(), 1, a.sign(a.publicKey()))))))
                .as("a plain signature over the key is not the proof").hasMessageContaining("validator 0: proof of possession");
    }
}
