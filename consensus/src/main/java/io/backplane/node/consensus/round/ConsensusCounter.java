package io.backplane.node.consensus.round;

/**
 * What the round manager counts: one constant per event, each with the stable name the simulation's JSON and the node's
 * metrics print ({@code rejected.*}, {@code ignored.*} and {@code abstain.*} are hostile or undecidable input, the rest
 * protocol progress). See {@link ConsensusMetrics}.
 */
public enum ConsensusCounter {
    ROUNDS_BY_QC("rounds.by-qc"),
    ROUNDS_BY_TC("rounds.by-tc"),
    PROPOSALS_MADE("proposals.made"),
    PROPOSE_BEHIND_TC("propose.behind-tc"),
    PROPOSE_LEDGER_FULL("propose.ledger-full"),
    PROPOSE_NO_JUSTIFICATION("propose.no-justification"),
    PROPOSE_REFUSED("propose.refused"),
    VOTES_CAST("votes.cast"),
    VOTES_FOR_UNKNOWN_BLOCK("votes.for-unknown-block"),
    VOTES_VERIFIED("votes.verified"),
    VOTE_REFUSED("vote.refused"),
    QCS_FORMED("qcs.formed"),
    TIMEOUTS_JOINED("timeouts.joined"),
    TIMEOUTS_RESIGNED("timeouts.resigned"),
    TIMEOUTS_SIGNED("timeouts.signed"),
    TIMEOUTS_VERIFIED("timeouts.verified"),
    TIMEOUT_REFUSED("timeout.refused"),
    TCS_FORMED("tcs.formed"),
    CERTS_VERIFIED("certs.verified"),
    BLOCKS_COMMITTED("blocks.committed"),
    SYNC_BLOCK_REQUESTS("sync.block-requests"),
    SYNC_BLOCKS_FETCHED("sync.blocks-fetched"),
    SYNC_QC_FOR_MISSING_BLOCK("sync.qc-for-missing-block"),
    ABSTAIN_LEADER_UNDECIDED("abstain.leader-undecided"),
    ABSTAIN_SCHEDULE_UNDECIDED("abstain.schedule-undecided"),
    ABSTAIN_VALIDATOR_UNDECIDED("abstain.validator-undecided"),
    IGNORED_DUPLICATE_PROPOSAL("ignored.duplicate-proposal"),
    IGNORED_DUPLICATE_TIMEOUT("ignored.duplicate-timeout"),
    IGNORED_DUPLICATE_VOTE("ignored.duplicate-vote"),
    IGNORED_PROPOSAL_NOT_CURRENT_ROUND("ignored.proposal-not-current-round"),
    IGNORED_STALE_PROPOSAL("ignored.stale-proposal"),
    IGNORED_STALE_TIMEOUT("ignored.stale-timeout"),
    IGNORED_STALE_VOTE("ignored.stale-vote"),
    IGNORED_STASH_FULL("ignored.stash-full"),
    IGNORED_UNREQUESTED_BLOCK("ignored.unrequested-block"),
    REJECTED_BAD_FETCHED_BLOCK("rejected.bad-fetched-block"),
    REJECTED_BAD_QC("rejected.bad-qc"),
    REJECTED_BAD_QC_SIGNATURE("rejected.bad-qc-signature"),
    REJECTED_BAD_SIGNATURE("rejected.bad-signature"),
    REJECTED_BAD_STRUCTURE("rejected.bad-structure"),
    REJECTED_BAD_TC("rejected.bad-tc"),
    REJECTED_BAD_TC_SIGNATURE("rejected.bad-tc-signature"),
    REJECTED_EQUIVOCATING_LEADER("rejected.equivocating-leader"),
    REJECTED_EQUIVOCATING_VOTE("rejected.equivocating-vote"),
    REJECTED_MALFORMED("rejected.malformed"),
    REJECTED_NOT_LEADER("rejected.not-leader"),
    REJECTED_OVERSIZED_PAYLOAD("rejected.oversized-payload"),
    REJECTED_PROPOSAL_TOO_FAR_AHEAD("rejected.proposal-too-far-ahead"),
    REJECTED_SCHEDULE_MISMATCH("rejected.schedule-mismatch"),
    REJECTED_TIMEOUT_TOO_FAR_AHEAD("rejected.timeout-too-far-ahead"),
    REJECTED_UNJUSTIFIED_ROUND("rejected.unjustified-round"),
    REJECTED_UNKNOWN_SENDER("rejected.unknown-sender"),
    REJECTED_VALIDATOR("rejected.validator"),
    REJECTED_VOTE_NOT_FOR_ME("rejected.vote-not-for-me"),
    REJECTED_VOTE_TOO_FAR_AHEAD("rejected.vote-too-far-ahead"),
    REJECTED_WRONG_EPOCH("rejected.wrong-epoch"),
    SAFETY_CONFLICTING_COMMIT("safety.conflicting-commit");

    private final String key;

    ConsensusCounter(String key) {
        this.key = key;
    }

    /** The counter's stable name, e.g. {@code rejected.bad-signature}. */
    public String key() {
        return key;
    }
}
