package io.backplane.plugin.api;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Input of {@link LeaderElection}: the schedule is asked for rounds {@code firstRound .. firstRound + windowLength - 1}
 * of {@code epoch}. {@code seed} is the epoch randomness (32 bytes); {@code history} holds the most recent committed
 * rounds, oldest first.
 */
public record LeaderElectionInput(long epoch, long firstRound, int windowLength, List<Validator> validators,
                                  byte[] seed, List<RoundRecord> history) {
    public LeaderElectionInput {
        validators = List.copyOf(validators);
        history = List.copyOf(history);
        seed = Objects.requireNonNull(seed, "seed").clone();
        if (validators.isEmpty()) {
            throw new IllegalArgumentException("validator set is empty");
        }
        if (windowLength <= 0 || windowLength > 100_000) {
            throw new IllegalArgumentException("windowLength must be in 1..100000, got " + windowLength);
        }
    }

    @Override
    public byte[] seed() {
        return seed.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeaderElectionInput x && epoch == x.epoch && firstRound == x.firstRound
                && windowLength == x.windowLength && validators.equals(x.validators) && Arrays.equals(seed, x.seed)
                && history.equals(x.history);
    }

    @Override
    public int hashCode() {
        return Objects.hash(epoch, firstRound, windowLength, validators, Arrays.hashCode(seed), history);
    }
}
