package io.backplane.node.consensus.safety;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.SigningMessages;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks quorum and timeout certificates against one validator set (DESIGN.md §4): a QC needs a quorum of signers in
 * the set and a valid aggregate over the vote message; a TC needs a quorum of distinct signers in the set, every
 * reported high-QC round below the TC's round, a valid aggregate over each signer's timeout message, and the QC it
 * carries must verify and have exactly the highest reported round. The genesis QC is the only QC without signers.
 *
 * <p>Only certificates this object verified itself enter its cache (a bounded LRU), so a caller can neither skip a
 * check nor plant an answer: {@link SafetyRules} holds one and the round manager shares it to avoid checking the
 * same certificate twice. Not thread-safe (one consensus thread).
 */
public final class CertificateVerifier {
    private static final int CACHE_SIZE = 512;

    private record TcKey(long epoch, long round, QuorumCert highQc, List<TimeoutCert.Entry> entries, String signature) {
    }

    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final long epoch;
    private final QuorumCert genesisQc;
    private final Map<Object, Boolean> verified = new LinkedHashMap<>(CACHE_SIZE, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Boolean> eldest) {
            return size() > CACHE_SIZE;
        }
    };
    private long checks;

    public CertificateVerifier(ValidatorSet validators, QuorumCrypto crypto) {
        this.validators = validators;
        this.crypto = crypto;
        this.epoch = validators.epoch();
        this.genesisQc = QuorumCert.genesis(epoch, Block.genesis(epoch).id());
    }

    public long epoch() {
        return epoch;
    }

    public ValidatorSet validators() {
        return validators;
    }

    /** Signature checks done (cache misses). */
    public long checks() {
        return checks;
    }

    /** Whether {@code qc} is the genesis QC of this epoch or a quorum's valid aggregate vote. */
    public boolean verifyQc(QuorumCert qc) {
        if (qc == null || qc.epoch() != epoch) {
            return false;
        }
        if (qc.isGenesis()) {
            return qc.equals(genesisQc);
        }
        if (verified.containsKey(qc)) {
            return true;
        }
        if (qc.signers().length != (validators.size() + 7) / 8) {
            return false;
        }
        BitSet signers = qc.signerSet();
        if (signers.length() > validators.size() || !validators.hasQuorum(signers)) {
            return false;
        }
        checks++;
        if (!crypto.verifyAggregate(signers, qc.signedMessage(), qc.signature())) {
            return false;
        }
        verified.put(qc, Boolean.TRUE);
        return true;
    }

    /** Whether {@code tc} is a quorum's valid aggregate timeout for its round, carrying a valid QC of its highest reported round. */
    public boolean verifyTc(TimeoutCert tc) {
        if (tc == null || tc.epoch() != epoch) {
            return false;
        }
        TcKey key = new TcKey(tc.epoch(), tc.round(), tc.highQc(), tc.entries(), HexFormat.of().formatHex(tc.signature()));
        if (verified.containsKey(key)) {
            return true;
        }
        BitSet signers = new BitSet();
        int[] idx = new int[tc.entries().size()];
        List<byte[]> msgs = new java.util.ArrayList<>(idx.length);
        for (int i = 0; i < idx.length; i++) {
            TimeoutCert.Entry e = tc.entries().get(i);
            // TimeoutCert's constructor already refuses repeated or unsorted signers.
            if (!validators.contains(e.signer()) || e.highQcRound() >= tc.round()) {
                return false;
            }
            signers.set(e.signer());
            idx[i] = e.signer();
            msgs.add(SigningMessages.timeout(epoch, tc.round(), e.highQcRound()));
        }
        if (!validators.hasQuorum(signers) || tc.highQc().round() != tc.maxHighQcRound() || !verifyQc(tc.highQc())) {
            return false;
        }
        checks++;
        if (!crypto.verifyAggregateDistinct(idx, msgs, tc.signature())) {
            return false;
        }
        verified.put(key, Boolean.TRUE);
        return true;
    }
}
