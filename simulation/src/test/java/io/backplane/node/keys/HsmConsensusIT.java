package io.backplane.node.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.keystore.Keystore;
import io.backplane.node.consensus.safety.SafetyData;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.sim.Fault;
import io.backplane.node.sim.SimConfig;
import io.backplane.node.sim.SimResult;
import io.backplane.node.sim.Simulation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The real consensus (n = 4, real BLS) signing through hsm-keystore's guarded signer: BLS keys sealed by a real
 * SoftHSM2 token, the fsynced double-sign guard, the audit trail, and the safety data made durable before each
 * signature. One SoftHSM config per JVM (hsm-keystore README): the token is {@link TestKeystore}'s.
 */
class HsmConsensusIT {
    @Test
    void fourValidatorsCommitWithTokenSealedKeysAndTheGuardRefusesAConflictingVote() throws Exception {
        try (Keystore ks = TestKeystore.open()) {
            Path dir = TestKeystore.dir();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ids.add(ks.generateBls().id());
            }
            List<HsmConsensusSigner> signers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                signers.add(new HsmConsensusSigner(ks, ids.get(i), new SafetyDataFile(dir.resolve("safety").resolve(ids.get(i)))));
            }
            for (int i = 0; i < 4; i++) {
                // The token proves possession of each key; the simulation admits the keys only after checking it.
                byte[] pop = signers.get(i).proofOfPossession().orElseThrow();
                assertThat(new io.backplane.accel.bls.BlsCpu().verifyPossession(signers.get(i).publicKey(), pop)).as("validator %d's proof", i).isTrue();
            }
            SimResult r = Simulation.run(SimConfig.of(4, 0, 8, EnumSet.noneOf(Fault.class), 1).withSigners(signers::get));
            assertThat(r.failed()).as(r.describe()).isFalse();
            assertThat(r.committedBlocks()).isGreaterThanOrEqualTo(4);
            for (int i = 0; i < 4; i++) {
                SafetyData d = SafetyData.decode(signers.get(i).safetyData().orElseThrow());
                assertThat(d.lastVotedRound()).as("validator %d voted", i).isGreaterThanOrEqualTo(5);
                assertThat(ks.guard().watermark(ids.get(i), io.backplane.hsm.SigningKind.VOTE)).isPresent();
            }
            // The guard, not the consensus code, refuses a second, different vote in a round already voted in.
            HsmConsensusSigner s0 = signers.get(0);
            long voted = SafetyData.decode(s0.safetyData().orElseThrow()).lastVotedRound();
            byte[] other = SigningMessages.vote(1, voted, BlockId.sha256(new byte[] {42}));
            assertThatThrownBy(() -> s0.sign(new SigningRequest(1, voted, SigningKind.VOTE, other, new SafetyData(1, voted, 0, 0).encode())))
                    .isInstanceOf(SigningRefusedException.class).hasMessageContaining("guard refused VOTE");
            // A validator whose proof is another key's is refused before the run starts (the rogue-key attack).
            HsmConsensusSigner s1 = signers.get(1);
            io.backplane.node.consensus.safety.ConsensusSigner forged = new io.backplane.node.consensus.safety.ConsensusSigner() {
                @Override
                public byte[] publicKey() {
                    return s1.publicKey();
                }

                @Override
                public byte[] sign(SigningRequest request) throws SigningRefusedException {
                    return s1.sign(request);
                }

                @Override
                public java.util.Optional<byte[]> proofOfPossession() {
                    return s0.proofOfPossession();
                }

                @Override
                public java.util.Optional<byte[]> safetyData() {
                    return s1.safetyData();
                }
            };
            assertThatThrownBy(() -> Simulation.run(SimConfig.of(4, 0, 8, EnumSet.noneOf(Fault.class), 2)
                    .withSigners(i -> i == 1 ? forged : signers.get(i))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proof of possession");
        }
    }
}
