package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningKind;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.Vote;
import java.util.Optional;

/**
 * The voting and timeout rules of 2-chain HotStuff (DiemBFT v4 / Jolteon), DESIGN.md §4:
 * <ul>
 *   <li>vote in round r for a block whose parent QC has round q: r &gt; last voted round, and r = q + 1, or
 *       r = tc.round + 1 with q &ge; the highest high-QC round in the TC (the round of the QC it carries);</li>
 *   <li>time out of round r with high QC round q: q &ge; the preferred round (the highest QC round this key has signed
 *       over: the parent QCs it voted on and the high QCs it timed out with, as Aptos's one-chain round), r &gt;
 *       max(last voted round - 1, q), and r = q + 1 or r = tc.round + 1; a timeout raises the last voted round to r.
 *       The rule is checked on every request, a repeat of the same round included.</li>
 * </ul>
 * Every certificate handed in (the block's parent QC, the TC, the timeout's high QC) is verified here through the
 * {@link CertificateVerifier}, as Aptos's safety-rules does, so a faulty round manager cannot make the key sign on a
 * forged certificate. The state is restored from the signer's durable safety data and written back with every
 * signature, so a crash never forgets a vote. The class is open only so that tests can inject a deliberately broken
 * rule (the mutant the simulation must catch).
 */
public class SafetyRules {
    private final ConsensusSigner signer;
    private final int self;
    private final CertificateVerifier certificates;
    private final ApprovalObserver observer;
    private SafetyData data;

    public SafetyRules(ConsensusSigner signer, int self, CertificateVerifier certificates) {
        this(signer, self, certificates, ApprovalObserver.NONE);
    }

    public SafetyRules(ConsensusSigner signer, int self, CertificateVerifier certificates, ApprovalObserver observer) {
        this.signer = signer;
        this.self = self;
        this.certificates = certificates;
        this.observer = observer;
        long epoch = certificates.epoch();
        this.data = signer.safetyData().map(SafetyData::decode)
                .filter(d -> d.epoch() == epoch)
                .orElse(new SafetyData(epoch, 0, 0, 0, 0));
    }

    public SafetyData data() {
        return data;
    }

    /** The verifier (and its cache of verified certificates) these rules check with; the round manager shares it. */
    public CertificateVerifier certificates() {
        return certificates;
    }

    /**
     * Records a QC: the preferred round only rises, and only on a QC that verifies. The rules call it for the QCs they
     * sign over; it is not fed every QC the node sees, so that a restarted node can sign again the very timeout it saved
     * before a crash (a QC learnt after the restart would otherwise forbid it, and the guard any other timeout).
     */
    public void observeQc(QuorumCert qc) {
        if (certificates.verifyQc(qc)) {
            data = new SafetyData(data.epoch(), data.lastVotedRound(), data.highestTimeoutRound(), Math.max(data.preferredRound(), qc.round()),
                    data.lastProposedRound());
        }
    }

    /** The vote rule alone, without signing; {@code tc} is the certificate the proposal came with, or null. */
    protected boolean safeToVote(Block block, TimeoutCert tc) {
        long r = block.round();
        long q = block.parentQc().round();
        if (r <= data.lastVotedRound()) {
            return false;
        }
        return r == q + 1 || (tc != null && r == tc.round() + 1 && q >= tc.maxHighQcRound());
    }

    /** The timeout rule alone. */
    protected boolean safeToTimeout(long round, QuorumCert highQc, TimeoutCert tc) {
        long q = highQc.round();
        if (q < data.preferredRound() || round <= Math.max(data.lastVotedRound() - 1, q)) {
            return false;
        }
        return round == q + 1 || (tc != null && round == tc.round() + 1);
    }

    /** Whether the certificates handed in verify (a null TC is "none"). */
    private boolean verified(QuorumCert qc, TimeoutCert tc) {
        return certificates.verifyQc(qc) && (tc == null || certificates.verifyTc(tc));
    }

    /** A signed vote for {@code block}, or empty when the certificates, the rules (or the guard) say no. */
    public Optional<Vote> vote(Block block, TimeoutCert tc) {
        if (block.epoch() != data.epoch() || !verified(block.parentQc(), tc) || !safeToVote(block, tc)) {
            return Optional.empty();
        }
        observeQc(block.parentQc());
        SafetyData next = new SafetyData(data.epoch(), block.round(), data.highestTimeoutRound(), data.preferredRound(), data.lastProposedRound());
        byte[] msg = SigningMessages.vote(block.epoch(), block.round(), block.id());
        observer.approvedVote(block, tc);
        try {
            byte[] sig = signer.sign(new SigningRequest(block.epoch(), block.round(), SigningKind.VOTE, msg, next.encode()));
            data = next;
            return Optional.of(new Vote(block.epoch(), block.round(), block.id(), self, sig));
        } catch (SigningRefusedException e) {
            return Optional.empty();
        }
    }

    /**
     * A signed timeout for {@code round}, or empty. The rules are checked every time; signing the same timeout again
     * (e.g. after a restart) passes them again and the guard returns the same signature.
     */
    public Optional<TimeoutMsg> timeout(long round, QuorumCert highQc, TimeoutCert tc) {
        if (!verified(highQc, tc) || !safeToTimeout(round, highQc, tc)) {
            return Optional.empty();
        }
        SafetyData next = new SafetyData(data.epoch(), Math.max(data.lastVotedRound(), round), round, Math.max(data.preferredRound(), highQc.round()),
                data.lastProposedRound());
        byte[] msg = SigningMessages.timeout(data.epoch(), round, highQc.round());
        observer.approvedTimeout(data.epoch(), round, highQc, tc);
        try {
            byte[] sig = signer.sign(new SigningRequest(data.epoch(), round, SigningKind.TIMEOUT, msg, next.encode()));
            data = next;
            return Optional.of(new TimeoutMsg(data.epoch(), round, highQc, tc, self, sig));
        } catch (SigningRefusedException e) {
            return Optional.empty();
        }
    }

    /**
     * The leader's signature over its block: only on a parent QC that verifies, for a round it has not voted, timed out
     * or proposed in yet (so a restarted leader never proposes a second block for a round; the guard, too, allows one).
     */
    public Optional<byte[]> signProposal(Block unsigned) {
        long r = unsigned.round();
        if (unsigned.epoch() != data.epoch() || r <= data.lastVotedRound() || r <= data.lastProposedRound()
                || !certificates.verifyQc(unsigned.parentQc())) {
            return Optional.empty();
        }
        observer.approvedProposal(unsigned);
        SafetyData next = new SafetyData(data.epoch(), data.lastVotedRound(), data.highestTimeoutRound(), data.preferredRound(), r);
        byte[] msg = SigningMessages.proposal(unsigned.epoch(), r, unsigned.id());
        try {
            byte[] sig = signer.sign(new SigningRequest(unsigned.epoch(), r, SigningKind.PROPOSAL, msg, next.encode()));
            data = next;
            return Optional.of(sig);
        } catch (SigningRefusedException e) {
            return Optional.empty();
        }
    }
}
