package io.backplane.node.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.guard.GuardedSigning;
import io.backplane.hsm.guard.SigningGuard;
import io.backplane.hsm.guard.SigningListener;
import io.backplane.node.consensus.safety.SafetyData;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signer counts what became of each request (the node's {@code backplane_signatures_total}), over the real
 * fsynced guard: a signature, a conflicting second vote the guard refuses, and a vote withheld because its safety data
 * could not be written.
 */
class SigningOutcomesTest {
    @TempDir
    Path dir;

    private static SigningRequest vote(long round, String block) {
        byte[] msg = SigningMessages.vote(1, round, BlockId.sha256(block.getBytes(StandardCharsets.US_ASCII)));
        return new SigningRequest(1, round, SigningKind.VOTE, msg, new SafetyData(1, round, round - 1, round - 1).encode());
    }

    @Test
    void eachOutcomeIsCountedByKind() throws Exception {
        byte[] sk = Bls.keyGen(new byte[32]);
        Path safety = dir.resolve("data/safety-data");
        Files.createDirectories(safety.getParent());
        HsmConsensusSigner signer = new HsmConsensusSigner(new GuardedSigning(SigningGuard.open(dir.resolve("guard")), Bls.inMemory("k", sk),
                SigningListener.NONE), "k", new SafetyDataFile(safety));
        signer.sign(vote(5, "a"));
        signer.sign(vote(6, "a"));
        assertThatThrownBy(() -> signer.sign(vote(6, "b"))).isInstanceOf(SigningRefusedException.class).hasMessageContaining("guard refused");
        assertThat(signer.count(SigningKind.VOTE, HsmConsensusSigner.Outcome.SIGNED)).isEqualTo(2);
        assertThat(signer.count(SigningKind.VOTE, HsmConsensusSigner.Outcome.REFUSED)).isEqualTo(1);
        assertThat(signer.count(SigningKind.PROPOSAL, HsmConsensusSigner.Outcome.SIGNED)).isZero();

        HsmConsensusSigner unwritable = new HsmConsensusSigner(new GuardedSigning(SigningGuard.open(dir.resolve("guard2")), Bls.inMemory("k", sk),
                SigningListener.NONE), "k", new SafetyDataFile(dir.resolve("gone/safety-data")));
        Files.delete(dir.resolve("gone"));
        Files.writeString(dir.resolve("gone"), "a file where the directory was"); // every write now fails (ENOTDIR, even as root)
        assertThatThrownBy(() -> unwritable.sign(vote(7, "a"))).isInstanceOf(SigningRefusedException.class).hasMessageContaining("withheld");
        assertThat(unwritable.count(SigningKind.VOTE, HsmConsensusSigner.Outcome.WITHHELD)).isEqualTo(1);
        assertThat(unwritable.count(SigningKind.VOTE, HsmConsensusSigner.Outcome.SIGNED)).isZero();
    }
}
