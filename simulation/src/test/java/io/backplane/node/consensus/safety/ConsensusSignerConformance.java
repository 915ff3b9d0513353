package io.backplane.node.consensus.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backplane.node.consensus.types.SigningKind;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The double-sign guard's rules (DESIGN.md §4 and §7, {@link ConsensusSigner}), once, for every implementation: each
 * guard binds it through a tiny subclass ({@code InMemoryGuardedSignerConformanceTest} here; in
 * {@code io.backplane.node.keys} the node's {@code HsmConsensusSigner} over hsm-keystore's durable guard, with an
 * in-memory key and with a key sealed in a real SoftHSM2 token). Per kind, a watermark: the highest (epoch, round)
 * signed, epochs before rounds. A request at or below it is refused unless its bytes are exactly those signed at that
 * slot, which get the same signature again. A refusal changes nothing, and a restart forgets nothing.
 */
public abstract class ConsensusSignerConformance {
    private ConsensusSigner signer;

    /** A signer over a fresh key and an empty guard. */
    protected abstract ConsensusSigner open() throws Exception;

    /**
     * The same key and guard after a crash and restart: everything the implementation keeps durably survives, nothing
     * else. {@code before} is not used again.
     */
    protected abstract ConsensusSigner restart(ConsensusSigner before) throws Exception;

    /** Releases what {@link #open} took (files, tokens); nothing by default. */
    protected void close(ConsensusSigner last) throws Exception {
    }

    @BeforeEach
    void openSigner() throws Exception {
        signer = open();
    }

    @AfterEach
    void closeSigner() throws Exception {
        close(signer);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A request whose safety data names it, so a test can tell whose safety data is stored. */
    private static SigningRequest request(long epoch, long round, SigningKind kind, String message) {
        return new SigningRequest(epoch, round, kind, bytes(kind + " " + message), bytes("safety " + kind + " " + epoch + "/" + round + " " + message));
    }

    private byte[] sign(long epoch, long round, SigningKind kind, String message) throws SigningRefusedException {
        return signer.sign(request(epoch, round, kind, message));
    }

    private void assertRefused(long epoch, long round, SigningKind kind, String message) {
        assertThatThrownBy(() -> sign(epoch, round, kind, message)).as("%s epoch %d round %d '%s'", kind, epoch, round, message)
                .isInstanceOf(SigningRefusedException.class);
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldReleaseTheFirstSignatureOfASlot(SigningKind kind) throws Exception {
        byte[] sig = sign(1, 5, kind, "a");
        assertThat(sig).isNotEmpty();
        assertThat(signer.safetyData()).hasValueSatisfying(d -> assertThat(d).isEqualTo(request(1, 5, kind, "a").safetyData()));
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldReleaseTheIdenticalRequestAgainWithTheSameBytes(SigningKind kind) throws Exception {
        byte[] first = sign(1, 5, kind, "a");
        assertThat(sign(1, 5, kind, "a")).isEqualTo(first);
        assertThat(sign(1, 5, kind, "a")).isEqualTo(first);
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldRefuseADifferentMessageForTheSameSlot(SigningKind kind) throws Exception {
        sign(1, 5, kind, "a");
        assertRefused(1, 5, kind, "b");
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldRefuseALowerRoundAfterAHigherOneOfTheSameKind(SigningKind kind) throws Exception {
        sign(1, 5, kind, "a");
        assertRefused(1, 4, kind, "b");
        assertRefused(1, 0, kind, "c");
        assertThat(sign(1, 6, kind, "d")).isNotEmpty();
        assertRefused(1, 5, kind, "e");
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldOrderByEpochBeforeRound(SigningKind kind) throws Exception {
        sign(1, 9, kind, "a");
        assertThat(sign(2, 1, kind, "b")).as("a later epoch starts its rounds again").isNotEmpty();
        assertRefused(1, 10, kind, "c");
        assertRefused(2, 0, kind, "d");
        assertThat(sign(2, 2, kind, "e")).isNotEmpty();
    }

    @Test
    void shouldKeepOneWatermarkPerKind() throws Exception {
        sign(1, 7, SigningKind.VOTE, "v");
        assertThat(sign(1, 3, SigningKind.TIMEOUT, "t")).as("a timeout below the vote watermark").isNotEmpty();
        assertThat(sign(1, 3, SigningKind.PROPOSAL, "p")).as("a proposal below the vote watermark").isNotEmpty();
        assertRefused(1, 6, SigningKind.VOTE, "v2");
        assertRefused(1, 2, SigningKind.TIMEOUT, "t2");
        assertRefused(1, 2, SigningKind.PROPOSAL, "p2");
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldReleaseAnIdenticalEarlierRequestAfterALaterOne(SigningKind kind) throws Exception {
        byte[] five = sign(1, 5, kind, "a");
        sign(1, 6, kind, "b");
        assertThat(sign(1, 5, kind, "a")).as("the very same bytes get the very same signature (DESIGN §7)").isEqualTo(five);
        assertRefused(1, 5, kind, "c");
    }

    @ParameterizedTest
    @EnumSource(SigningKind.class)
    void shouldChangeNothingOnARefusal(SigningKind kind) throws Exception {
        byte[] five = sign(1, 5, kind, "a");
        byte[] stored = signer.safetyData().orElseThrow();
        assertRefused(1, 5, kind, "b");
        assertRefused(1, 4, kind, "c");
        assertThat(signer.safetyData()).as("the safety data of the newest released signature").hasValueSatisfying(d -> assertThat(d).isEqualTo(stored));
        assertThat(sign(1, 5, kind, "a")).as("the refused requests left the slot as it was").isEqualTo(five);
        assertThat(sign(1, 6, kind, "d")).as("a later valid request still signs").isNotEmpty();
        assertThat(signer.safetyData()).hasValueSatisfying(d -> assertThat(d).isEqualTo(request(1, 6, kind, "d").safetyData()));
    }

    @Test
    void shouldKeepWatermarksAndSafetyDataAcrossARestart() throws Exception {
        byte[] vote = sign(1, 5, SigningKind.VOTE, "v");
        byte[] timeout = sign(1, 5, SigningKind.TIMEOUT, "t");
        byte[] proposal = sign(1, 5, SigningKind.PROPOSAL, "p");
        byte[] publicKey = signer.publicKey();
        signer = restart(signer);
        assertThat(signer.publicKey()).isEqualTo(publicKey);
        assertThat(signer.safetyData()).hasValueSatisfying(d -> assertThat(d).isEqualTo(request(1, 5, SigningKind.PROPOSAL, "p").safetyData()));
        for (SigningKind kind : SigningKind.values()) {
            assertRefused(1, 5, kind, "other");
            assertRefused(1, 3, kind, "lower");
        }
        assertThat(sign(1, 5, SigningKind.VOTE, "v")).isEqualTo(vote);
        assertThat(sign(1, 5, SigningKind.TIMEOUT, "t")).isEqualTo(timeout);
        assertThat(sign(1, 5, SigningKind.PROPOSAL, "p")).isEqualTo(proposal);
        assertThat(sign(1, 6, SigningKind.VOTE, "v6")).isNotEmpty();
        signer = restart(signer);
        assertRefused(1, 6, SigningKind.VOTE, "other");
        assertThat(sign(1, 7, SigningKind.VOTE, "v7")).isNotEmpty();
    }
}
