package io.backplane.node.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backplane.hsm.bls.Bls;
import io.backplane.node.consensus.crypto.BlsSignatureScheme;
import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SyncInfo;
import io.backplane.node.consensus.types.Validator;
import io.backplane.node.consensus.types.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DoppelgangerGuardTest {
    private static final int N = 4;
    private static final byte[][] SECRETS = new byte[N][];
    private static final QuorumCrypto CRYPTO;

    static {
        List<Validator> vs = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            SECRETS[i] = Bls.keyGen(("doppelganger-test-validator-" + i + "-ikm-padding").getBytes(StandardCharsets.UTF_8));
            vs.add(new Validator(Bls.publicKey(SECRETS[i]), 1, Bls.provePossession(SECRETS[i])));
        }
        CRYPTO = new BlsSignatureScheme().forValidators(new ValidatorSet(1, vs));
    }

    private final AtomicInteger signed = new AtomicInteger();
    private final ConsensusSigner inner = new ConsensusSigner() {
        @Override
        public byte[] publicKey() {
            return Bls.publicKey(SECRETS[0]);
        }

        @Override
        public byte[] sign(SigningRequest request) {
            signed.incrementAndGet();
            return new byte[] {1};
        }

        @Override
        public Optional<byte[]> safetyData() {
            return Optional.empty();
        }
    };

    private static SigningRequest vote(long round) {
        return new SigningRequest(1, round, SigningKind.VOTE, new byte[] {(byte) round}, new byte[0]);
    }

    /** A QC for {@code round} signed by {@code signers}; {@code forged}: the aggregate does not verify. */
    private static QuorumCert qc(long round, boolean forged, int... signers) {
        BlockId id = BlockId.sha256(new byte[] {(byte) round});
        QuorumCert unsigned = new QuorumCert(1, round, id, new byte[1], new byte[0]);
        byte[] msg = unsigned.signedMessage();
        List<byte[]> sigs = new ArrayList<>();
        BitSet set = new BitSet();
        for (int s : signers) {
            set.set(s);
            sigs.add(Bls.sign(SECRETS[forged ? (s + 1) % N : s], msg));
        }
        return new QuorumCert(1, round, id, Bitmaps.encode(set, N), CRYPTO.aggregate(sigs));
    }

    private static ConsensusMessage sync(QuorumCert qc) {
        return new ConsensusMessage.Sync(new SyncInfo(qc, null));
    }

    @Test
    void itSignsNothingUntilItHasListenedForTheRoundsThenSignsNormally() throws Exception {
        DoppelgangerGuard g = new DoppelgangerGuard(inner, 0, CRYPTO, 3, 3_600_000, 0, 0);
        assertThrows(SigningRefusedException.class, () -> g.sign(vote(1)));
        g.round(10);
        g.round(12);
        assertThrows(SigningRefusedException.class, () -> g.sign(vote(12)));
        assertFalse(g.armed());
        g.round(13);
        assertTrue(g.armed());
        assertArrayEquals(new byte[] {1}, g.sign(vote(13)));
        assertEquals(1, signed.get());
    }

    @Test
    void withEveryValidatorListeningTheWindowEndsByTimeAlone() throws Exception {
        DoppelgangerGuard g = new DoppelgangerGuard(inner, 0, CRYPTO, 2, 1, 0, 0);
        Thread.sleep(5);
        assertTrue(g.armed(), "no round entered, but two round timeouts have passed");
        g.sign(vote(1));
        assertEquals(1, signed.get());
    }

    @Test
    void aCertifiedQcCarryingItsVoteInTheWindowStopsItForGood() {
        DoppelgangerGuard g = new DoppelgangerGuard(inner, 0, CRYPTO, 3, 3_600_000, 0, 0);
        g.round(20);
        g.observe(2, sync(qc(21, false, 0, 1, 2)));
        assertTrue(g.detected().isPresent());
        g.round(30);
        assertFalse(g.armed());
        var e = assertThrows(SigningRefusedException.class, () -> g.sign(vote(30)));
        assertTrue(e.getMessage().contains("doppelganger"), e.getMessage());
        assertEquals(0, signed.get());
    }

    @Test
    void aVoteSignedWithItsKeyStopsItButAForgedAuthorFieldDoesNot() {
        DoppelgangerGuard g = new DoppelgangerGuard(inner, 0, CRYPTO, 3, 3_600_000, 0, 0);
        g.round(5);
        BlockId id = BlockId.sha256(new byte[] {5});
        io.backplane.node.consensus.types.Vote unsigned = new io.backplane.node.consensus.types.Vote(1, 6, id, 0, new byte[96]);
        // a hostile peer names this validator as the voter, with a signature of another key
        g.observe(3, new ConsensusMessage.VoteMsg(new io.backplane.node.consensus.types.Vote(1, 6, id, 0, Bls.sign(SECRETS[3], unsigned.signedMessage()))));
        assertTrue(g.detected().isEmpty(), g.detected().orElse(""));
        g.observe(3, new ConsensusMessage.VoteMsg(new io.backplane.node.consensus.types.Vote(1, 6, id, 0, Bls.sign(SECRETS[0], unsigned.signedMessage()))));
        assertTrue(g.detected().isPresent(), "a vote really signed with this validator's key went unseen");
    }

    @Test
    void aForgedBitmapItsOwnEarlierVotesAndOthersQcsDoNotStopIt() throws Exception {
        DoppelgangerGuard g = new DoppelgangerGuard(inner, 0, CRYPTO, 1, 3_600_000, 25, 0);
        g.round(20);
        g.observe(2, sync(qc(26, true, 0, 1, 2)));      // aggregate does not verify: a peer's forgery
        g.observe(2, sync(qc(24, false, 0, 1, 2)));     // a round it voted in before this start: its own vote
        g.observe(2, sync(qc(27, false, 1, 2, 3)));     // without its bit
        g.observe(2, sync(qc(19, false, 0, 1, 2)));     // before this start's first round
        assertTrue(g.detected().isEmpty(), g.detected().orElse(""));
        g.round(21);
        g.sign(vote(21));
        // once it signed, its key in later certificates is its own
        g.observe(2, sync(qc(21, false, 0, 1, 2)));
        assertTrue(g.detected().isEmpty());
        assertEquals(1, signed.get());
    }
}
