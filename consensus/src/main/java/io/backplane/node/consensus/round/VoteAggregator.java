package io.backplane.node.consensus.round;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.types.Bitmaps;
import io.backplane.node.consensus.types.BlockId;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.ValidatorSet;
import io.backplane.node.consensus.types.Vote;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The next leader's side of voting: the votes it holds per round (one per voter), their signature checks (one by one, or
 * ahead in one batch for a burst), and the QC a quorum of them for one block forms, once per block.
 */
final class VoteAggregator {
    private final long epoch;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final Map<Long, Map<Integer, Vote>> votesByRound = new HashMap<>();
    private final Map<Long, Map<BlockId, BitSet>> doneQcs = new HashMap<>();
    /** Vote signatures checked ahead in one batch; consumed as each vote is handled. */
    private final Map<Vote, Boolean> preVerified = new IdentityHashMap<>();

    VoteAggregator(long epoch, ValidatorSet validators, QuorumCrypto crypto) {
        this.epoch = epoch;
        this.validators = validators;
        this.crypto = crypto;
    }

    /** The vote {@code v}'s voter already gave in its round, or null. */
    Vote earlier(Vote v) {
        return votesByRound.computeIfAbsent(v.round(), r -> new HashMap<>()).get(v.voter());
    }

    /** Whether {@code v} carries its voter's signature (answered from the batch check when there was one). */
    boolean signatureValid(Vote v) {
        Boolean checked = preVerified.remove(v);
        return checked != null ? checked : crypto.verify(v.voter(), v.signedMessage(), v.signature());
    }

    /**
     * Keeps a verified vote; returns the QC when it completes a quorum for its block (at most once per block and round).
     */
    Optional<QuorumCert> add(Vote v) {
        Map<Integer, Vote> votes = votesByRound.computeIfAbsent(v.round(), r -> new HashMap<>());
        votes.put(v.voter(), v);
        Map<BlockId, BitSet> done = doneQcs.computeIfAbsent(v.round(), r -> new HashMap<>());
        if (done.containsKey(v.blockId())) {
            return Optional.empty();
        }
        BitSet signers = new BitSet();
        List<byte[]> sigs = new ArrayList<>();
        for (int i = 0; i < validators.size(); i++) {
            Vote x = votes.get(i);
            if (x != null && x.blockId().equals(v.blockId())) {
                signers.set(i);
                sigs.add(x.signature());
            }
        }
        if (!validators.hasQuorum(signers)) {
            return Optional.empty();
        }
        done.put(v.blockId(), signers);
        return Optional.of(new QuorumCert(epoch, v.round(), v.blockId(), Bitmaps.encode(signers, validators.size()), crypto.aggregate(sigs)));
    }

    /**
     * Checks the signatures of votes that arrived together in one {@link QuorumCrypto#verifyEach} call; the answers are
     * per vote. A malformed vote that spoils the batch leaves every vote to be checked alone.
     */
    void preVerify(List<Vote> batch) {
        if (batch.size() <= 1) {
            return;
        }
        try {
            int[] signers = new int[batch.size()];
            List<byte[]> messages = new ArrayList<>(batch.size());
            List<byte[]> signatures = new ArrayList<>(batch.size());
            for (int i = 0; i < signers.length; i++) {
                signers[i] = batch.get(i).voter();
                messages.add(batch.get(i).signedMessage());
                signatures.add(batch.get(i).signature());
            }
            boolean[] ok = crypto.verifyEach(signers, messages, signatures);
            for (int i = 0; i < ok.length; i++) {
                preVerified.put(batch.get(i), ok[i]);
            }
        } catch (io.backplane.codec.CodecException | IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
            preVerified.clear();
        }
    }

    void clearPreVerified() {
        preVerified.clear();
    }

    /** Forgets rounds below {@code keepFrom}. */
    void pruneBelow(long keepFrom) {
        votesByRound.keySet().removeIf(r -> r < keepFrom);
        doneQcs.keySet().removeIf(r -> r < keepFrom);
    }
}
