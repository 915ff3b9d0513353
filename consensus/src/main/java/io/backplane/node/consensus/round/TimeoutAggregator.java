package io.backplane.node.consensus.round;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.types.QuorumCert;
import io.backplane.node.consensus.types.TimeoutCert;
import io.backplane.node.consensus.types.TimeoutMsg;
import io.backplane.node.consensus.types.ValidatorSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verified timeouts per round (one per author, kept in author order) and the stake behind them: more than 1/3 makes a node
 * join the timeout, a quorum aggregates them into a TC that carries the highest QC they report.
 */
final class TimeoutAggregator {
    private final long epoch;
    private final ValidatorSet validators;
    private final QuorumCrypto crypto;
    private final Map<Long, Map<Integer, TimeoutMsg>> timeoutsByRound = new HashMap<>();

    TimeoutAggregator(long epoch, ValidatorSet validators, QuorumCrypto crypto) {
        this.epoch = epoch;
        this.validators = validators;
        this.crypto = crypto;
    }

    /** Whether {@code author}'s timeout of {@code round} is held. */
    boolean has(long round, int author) {
        Map<Integer, TimeoutMsg> forRound = timeoutsByRound.get(round);
        return forRound != null && forRound.containsKey(author);
    }

    /** Keeps a verified timeout; returns the stake that has timed out of its round. */
    long add(TimeoutMsg t) {
        Map<Integer, TimeoutMsg> forRound = timeoutsByRound.computeIfAbsent(t.round(), r -> new TreeMap<>());
        forRound.put(t.author(), t);
        BitSet signers = new BitSet();
        forRound.keySet().forEach(signers::set);
        return validators.stakeOf(signers);
    }

    /** The TC of {@code round} from every timeout held for it (call with a quorum's stake). */
    TimeoutCert certificate(long round) {
        List<TimeoutCert.Entry> entries = new ArrayList<>();
        List<byte[]> sigs = new ArrayList<>();
        QuorumCert highest = null;
        for (TimeoutMsg x : timeoutsByRound.get(round).values()) {
            entries.add(new TimeoutCert.Entry(x.author(), x.highQc().round()));
            sigs.add(x.signature());
            if (highest == null || x.highQc().round() > highest.round()) {
                highest = x.highQc();
            }
        }
        return new TimeoutCert(epoch, round, highest, entries, crypto.aggregate(sigs));
    }

    /** Forgets rounds below {@code keepFrom}. */
    void pruneBelow(long keepFrom) {
        timeoutsByRound.keySet().removeIf(r -> r < keepFrom);
    }
}
