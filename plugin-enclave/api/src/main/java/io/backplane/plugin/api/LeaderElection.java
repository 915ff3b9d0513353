package io.backplane.plugin.api;

/**
 * Chooses who proposes in each round of a window.
 *
 * <p>Input: the epoch's validator set (ids and stakes, in canonical order), the epoch randomness seed (the output of the
 * epoch's VDF, identical on every node) and the committed history window (who proposed and who voted in recent
 * rounds). Output: exactly {@link LeaderElectionInput#windowLength()} leader ids, each a member of the validator set.
 * Every node recomputes the schedule of the next epoch before voting, so a plugin that answers differently on two nodes
 * only costs liveness. Time budget: a window of 1,000 rounds over 1,000 validators should take well under 100 ms.
 * Determinism contract: see {@link Plugin}.
 */
public interface LeaderElection extends Plugin {
    LeaderSchedule schedule(LeaderElectionInput input);
}
