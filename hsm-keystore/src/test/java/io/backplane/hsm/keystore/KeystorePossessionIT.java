package io.backplane.hsm.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.hsm.SigningException;
import io.backplane.hsm.SigningKind;
import io.backplane.hsm.SigningRequest;
import io.backplane.hsm.TestTokens;
import io.backplane.hsm.bls.Bls;
import io.backplane.hsm.bls.SealedBlsKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import supranational.blst.BLST_ERROR;
import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;

/** Proofs of possession of BLS keys sealed in a real SoftHSM2 token (IETF BLS draft, PopProve under the POP DST). */
class KeystorePossessionIT {
    /** The project's BLS verifier (the accelerator's CPU reference). */
    private static final io.backplane.accel.bls.BlsCpu BLS_CPU = new io.backplane.accel.bls.BlsCpu();

    @TempDir
    Path dir;

    @Test
    void proofVerifiesForItsOwnKeyOnlyAndEveryFlippedByteFails() {
        String label = TestTokens.newToken("pop");
        try (var t = TestTokens.open(label)) {
            t.ensureKek();
        }
        var options = new Keystore.Options(dir, TestTokens.library(), label, "node1", Clock.systemUTC(), 4);
        try (Keystore ks = Keystore.open(options, TestTokens.TEST_PIN.toCharArray())) {
            SealedBlsKeys.BlsKeyInfo a = ks.generateBls();
            SealedBlsKeys.BlsKeyInfo b = ks.generateBls();
            byte[] proof = ks.proofOfPossession(a.id());

            assertThat(proof).hasSize(Bls.SIGNATURE_BYTES);
            assertThat(ks.proofOfPossession(a.id())).as("deterministic").isEqualTo(proof);
            assertThat(BLS_CPU.verifyPossession(a.publicKey(), proof)).isTrue();
            // blst directly, with the DST spelled out (the one accel-kernels' BlsCpu.POP_DST checks).
            assertThat(new P2_Affine(proof).core_verify(new P1_Affine(a.publicKey()), true, a.publicKey(),
                    "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_")).isEqualTo(BLST_ERROR.BLST_SUCCESS);
            // Not an ordinary signature over the public key (different DST), and not a proof for another key.
            assertThat(BLS_CPU.verify(a.publicKey(), a.publicKey(), proof)).isFalse();
            assertThat(BLS_CPU.verifyPossession(b.publicKey(), proof)).isFalse();
            assertThat(BLS_CPU.verifyPossession(b.publicKey(), ks.proofOfPossession(b.id()))).isTrue();
            for (int i = 0; i < proof.length; i++) {
                byte[] bad = proof.clone();
                bad[i] ^= 0x01;
                assertThat(BLS_CPU.verifyPossession(a.publicKey(), bad)).as("flipped proof byte %d", i).isFalse();
            }
            for (int i = 0; i < a.publicKey().length; i++) {
                byte[] bad = a.publicKey().clone();
                bad[i] ^= 0x01;
                assertThat(BLS_CPU.verifyPossession(bad, proof)).as("flipped key byte %d", i).isFalse();
            }

            // The proof bypasses the guard: the first vote at (1, 1) is still signable afterwards.
            byte[] block = "block 1".getBytes(StandardCharsets.UTF_8);
            var vote = ks.sign(new SigningRequest(a.id(), 1, 1, SigningKind.VOTE, block));
            assertThat(BLS_CPU.verify(a.publicKey(), block, vote.bytes())).isTrue();
            assertThatThrownBy(() -> ks.proofOfPossession("bls-0000000000000000"))
                    .isInstanceOf(SigningException.class).hasMessageContaining("bls-0000000000000000");
        }
    }
}
