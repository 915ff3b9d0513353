package io.backplane.node.runtime;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.SigningRefusedException;
import io.backplane.node.consensus.safety.SigningRequest;
import io.backplane.node.consensus.types.ConsensusMessage;
import io.backplane.node.consensus.types.QuorumCert;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doppelganger check in front of the node's signer: after a start, the node listens for {@code rounds} rounds
 * (entered, or their length in wall-clock time, {@code rounds} × the base round timeout: when every validator starts
 * together nobody signs and no round is entered) before it signs anything, and refuses to sign for good (until an operator restarts it) if in that time it sees its
 * own key at work elsewhere: a certified QC whose signers include this validator for a round this process never voted
 * in, or a vote or timeout signed with its key arriving from the network. Another copy of this
 * validator's home (a restored backup beside the live box) is then the one that keeps signing, and this one does not
 * add a second, conflicting signature (the guard's watermarks are per copy). A QC is believed only after its aggregate
 * signature verifies, and a vote or timeout only when its signature verifies against this validator's key, so a peer
 * cannot silence a node with a forged bitmap or a forged author field. Thread-safe.
 */
final class DoppelgangerGuard implements ConsensusSigner {
    private static final Logger LOG = LoggerFactory.getLogger(DoppelgangerGuard.class);

    private final ConsensusSigner signer;
    private final int self;
    private final QuorumCrypto crypto;
    private final long rounds;
    private final long votedBeforeStart;
    private final long timedOutBeforeStart;
    private final long windowNanos;
    private final long startNanos = System.nanoTime();
    private long firstRound = -1;
    private long currentRound = -1;
    private String detected;
    private boolean signedOnce;

    /**
     * {@code votedBeforeStart} and {@code timedOutBeforeStart}: the highest rounds this validator's own durable safety
     * data says it voted and timed out in before this start (its own earlier signatures are not a doppelganger).
     */
    DoppelgangerGuard(ConsensusSigner signer, int self, QuorumCrypto crypto, long rounds, long roundTimeoutMs, long votedBeforeStart,
                      long timedOutBeforeStart) {
        this.windowNanos = rounds * roundTimeoutMs * 1_000_000L;
        this.votedBeforeStart = votedBeforeStart;
        this.timedOutBeforeStart = timedOutBeforeStart;
        this.signer = signer;
        this.self = self;
        this.crypto = crypto;
        this.rounds = rounds;
    }

    /** The consensus thread entered {@code round}. */
    synchronized void round(long round) {
        if (firstRound < 0) {
            firstRound = round;
        }
        currentRound = round;
    }

    /** Whether the listening window is over (and nothing was seen). */
    synchronized boolean armed() {
        return detected == null && (rounds == 0 || (firstRound >= 0 && currentRound >= firstRound + rounds)
                || System.nanoTime() - startNanos >= windowNanos);
    }

    /** Why the node does not sign, if it saw its key elsewhere. */
    synchronized Optional<String> detected() {
        return Optional.ofNullable(detected);
    }

    /**
     * A message from validator {@code from} (transport-authenticated), looked at before consensus handles it. Only
     * what carries this validator's own signature, checked, counts: a vote or timeout signed with its key, a QC whose
     * aggregate (with its bit) verifies. Unsigned claims (an author field, a TC's entry list) are not believed, so a
     * hostile peer cannot silence a node by naming it.
     */
    void observe(int from, ConsensusMessage m) {
        if (signedOnceOrDetected()) {
            return; // after our own first signature, our key in certificates is ours
        }
        switch (m) {
            case ConsensusMessage.Proposal p -> {
                qc(p.block().parentQc(), from);
                if (p.tc() != null) {
                    qc(p.tc().highQc(), from);
                }
            }
            case ConsensusMessage.VoteMsg v -> {
                if (v.vote().voter() == self && v.vote().round() > votedBeforeStart && sinceStart(v.vote().round())
                        && crypto.verify(self, v.vote().signedMessage(), v.vote().signature())) {
                    detect("a vote signed with this validator's key for round " + v.vote().round() + " arrived from validator " + from);
                }
            }
            case ConsensusMessage.Timeout t -> {
                if (t.timeout().author() == self && t.timeout().round() > timedOutBeforeStart && sinceStart(t.timeout().round())
                        && crypto.verify(self, t.timeout().signedMessage(), t.timeout().signature())) {
                    detect("a timeout signed with this validator's key for round " + t.timeout().round() + " arrived from validator " + from);
                }
                qc(t.timeout().highQc(), from);
            }
            case ConsensusMessage.Sync s -> qc(s.info().highQc(), from);
            default -> {
            }
        }
    }

    private synchronized boolean sinceStart(long round) {
        return firstRound >= 0 && round >= firstRound;
    }

    private synchronized boolean signedOnceOrDetected() {
        return signedOnce || detected != null;
    }

    private void qc(QuorumCert qc, int from) {
        if (qc == null || qc.isGenesis() || !qc.signerSet().get(self)) {
            return;
        }
        long since;
        synchronized (this) {
            since = firstRound;
        }
        // Our bit in a QC of a round since this start, before this process signed anything: someone else voted as us.
        if (since >= 0 && qc.round() >= since && qc.round() > votedBeforeStart && crypto.verifyAggregate(qc.signerSet(), qc.signedMessage(), qc.signature())) {
            detect("a certified QC for round " + qc.round() + " (from validator " + from + ") carries this validator's vote, which this process never cast");
        }
    }

    private synchronized void detect(String why) {
        if (detected == null) {
            detected = why;
            LOG.error("doppelganger: {}; this node will not sign until it is restarted (is another copy of this home running?)", why);
        }
    }

    @Override
    public byte[] publicKey() {
        return signer.publicKey();
    }

    @Override
    public byte[] sign(SigningRequest request) throws SigningRefusedException {
        synchronized (this) {
            if (detected != null) {
                throw new SigningRefusedException("doppelganger detected (" + detected + "): signature withheld");
            }
            if (!armed()) {
                throw new SigningRefusedException("listening for another copy of this validator until round " + (firstRound < 0 ? "?" : firstRound + rounds)
                        + " (doppelganger check): signature withheld");
            }
            signedOnce = true;
        }
        return signer.sign(request);
    }

    @Override
    public Optional<byte[]> proofOfPossession() {
        return signer.proofOfPossession();
    }

    @Override
    public Optional<byte[]> safetyData() {
        return signer.safetyData();
    }
}
