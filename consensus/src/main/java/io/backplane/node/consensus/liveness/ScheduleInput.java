package io.backplane.node.consensus.liveness;

import io.backplane.node.consensus.types.ValidatorSet;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a leader-election algorithm sees: the schedule epoch being scheduled and its first round, its length, the
 * validator set, the epoch seed (32 bytes) and the recent history of the chain the schedule will be carried on
 * (oldest first). Everything here is a function of that chain, so every honest node computes the same input.
 */
public record ScheduleInput(long scheduleEpoch, long firstRound, int windowLength, ValidatorSet validators, byte[] seed,
                            List<HistoryEntry> history) {
    /** One certified block of the history: its round, its author and the signers of the QC that certified it. */
    public record HistoryEntry(long round, int leader, List<Integer> voters) {
        public HistoryEntry {
            voters = List.copyOf(voters);
        }
    }

    public ScheduleInput {
        Objects.requireNonNull(validators, "validators");
        seed = seed.clone();
        history = List.copyOf(history);
        if (windowLength <= 0) {
            throw new IllegalArgumentException("schedule window must be at least one round, got " + windowLength);
        }
    }

    @Override
    public byte[] seed() {
        return seed.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScheduleInput x && scheduleEpoch == x.scheduleEpoch && firstRound == x.firstRound && windowLength == x.windowLength
                && validators.equals(x.validators) && Arrays.equals(seed, x.seed) && history.equals(x.history);
    }

    @Override
    public int hashCode() {
        return Objects.hash(scheduleEpoch, firstRound, windowLength, Arrays.hashCode(seed), history);
    }
}
