package io.backplane.node.sim;

import io.backplane.node.consensus.liveness.LeaderElectionAlgorithm;
import io.backplane.node.consensus.liveness.LeaderSchedule;
import io.backplane.node.consensus.liveness.ProposalValidator;
import io.backplane.node.consensus.liveness.RoundRobinElection;
import io.backplane.node.consensus.liveness.RoundRobinLeaderSchedule;
import io.backplane.node.consensus.safety.ApprovalObserver;
import io.backplane.node.consensus.safety.CertificateVerifier;
import io.backplane.node.consensus.safety.ConsensusSigner;
import io.backplane.node.consensus.safety.SafetyRules;
import java.util.EnumSet;
import java.util.Set;

/**
 * One simulation run.
 *
 * @param nodes validators (n)
 * @param byzantine Byzantine validators (f); the last f indices; each gets a misbehaviour chosen by the seed
 * @param rounds the run ends once the honest nodes pass this round and have shown liveness after healing
 * @param faults fault families to inject before the network heals
 * @param seed the seed: the same config and seed replay the same run, event by event
 * @param minDelayMs smallest one-way message delay
 * @param maxDelayMs largest one-way message delay
 * @param realBls sign with real BLS12-381 (slow) instead of {@link io.backplane.node.consensus.crypto.SimulatedSignatures}
 * @param safetyRules makes each node's safety rules (tests swap in a deliberately broken one)
 * @param leaders makes a fixed leader schedule from n; used only when {@code epochLength} is 0
 * @param epochLength rounds per schedule epoch (committed schedules carried on chain); 0: the fixed {@code leaders}
 * @param election computes each schedule epoch's leaders (built-in round robin, or the leader-election plugin)
 * @param proposalValidators each node's payload validator (accept-all, or a block-validator plugin), by index
 * @param signers null: in-memory guarded signers over seeded keys; else each validator's signer (e.g. the HSM-backed
 *                guarded signer), whose public key goes into the validator set (all honest, real BLS only)
 * @param passThroughGuard the in-memory guards refuse nothing, so a safety-rule bug shows up as a double signature
 *                (a violation) instead of a refusal; the simulation's rule checks run in front of the guard either way
 */
public record SimConfig(int nodes, int byzantine, long rounds, Set<Fault> faults, long seed,
                        long minDelayMs, long maxDelayMs, boolean realBls, SafetyRulesFactory safetyRules,
                        java.util.function.IntFunction<LeaderSchedule> leaders, int epochLength, LeaderElectionAlgorithm election,
                        java.util.function.IntFunction<ProposalValidator> proposalValidators,
                        java.util.function.IntFunction<ConsensusSigner> signers, boolean passThroughGuard) {
    /** The default schedule epoch: short, so that every run crosses many epoch boundaries. */
    public static final int DEFAULT_EPOCH_LENGTH = 10;

    /** Builds a node's safety rules from its signer. */
    @FunctionalInterface
    public interface SafetyRulesFactory {
        SafetyRules create(ConsensusSigner signer, int self, CertificateVerifier certificates, ApprovalObserver observer);
    }

    public SimConfig {
        if (nodes < 1 || nodes > 256) {
            throw new IllegalArgumentException("--nodes must be 1..256, got " + nodes);
        }
        if (byzantine < 0 || 3 * byzantine >= nodes) {
            throw new IllegalArgumentException("--byzantine must satisfy 0 <= f and 3f < n (n=" + nodes + "), got " + byzantine);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        if (minDelayMs < 0 || maxDelayMs < minDelayMs) {
            throw new IllegalArgumentException("message delays must satisfy 0 <= min <= max");
        }
        if (epochLength < 0 || epochLength > io.backplane.node.consensus.types.Limits.MAX_SCHEDULE) {
            throw new IllegalArgumentException("--epoch-length must be 0.." + io.backplane.node.consensus.types.Limits.MAX_SCHEDULE + ", got " + epochLength);
        }
        if (signers != null && (byzantine != 0 || !realBls)) {
            throw new IllegalArgumentException("external signers need real BLS and no Byzantine validators");
        }
        faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
    }

    /**
     * The usual run: realistic delays (1..50 ms), simulated signatures, correct safety rules, committed round-robin
     * schedules in epochs of {@link #DEFAULT_EPOCH_LENGTH} rounds.
     */
    public static SimConfig of(int nodes, int byzantine, long rounds, Set<Fault> faults, long seed) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, 1, 50, false, SafetyRules::new, RoundRobinLeaderSchedule::new,
                DEFAULT_EPOCH_LENGTH, new RoundRobinElection(), i -> ProposalValidator.ACCEPT_ALL, null, false);
    }

    public SimConfig withSeed(long s) {
        return new SimConfig(nodes, byzantine, rounds, faults, s, minDelayMs, maxDelayMs, realBls, safetyRules, leaders, epochLength, election, proposalValidators, signers, passThroughGuard);
    }

    public SimConfig withSafetyRules(SafetyRulesFactory f) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, realBls, f, leaders, epochLength, election, proposalValidators, signers, passThroughGuard);
    }

    public SimConfig withDelays(long min, long max) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, min, max, realBls, safetyRules, leaders, epochLength, election, proposalValidators, signers, passThroughGuard);
    }

    public SimConfig withRealBls(boolean bls) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, bls, safetyRules, leaders, epochLength, election, proposalValidators, signers, passThroughGuard);
    }

    /** A fixed per-round schedule instead of committed schedule epochs. */
    public SimConfig withLeaders(java.util.function.IntFunction<LeaderSchedule> schedule) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, realBls, safetyRules, schedule, 0, election, proposalValidators, signers, passThroughGuard);
    }

    /** Committed schedule epochs of {@code length} rounds computed by {@code algorithm}. */
    public SimConfig withElection(int length, LeaderElectionAlgorithm algorithm) {
        if (length < 1) {
            throw new IllegalArgumentException("--epoch-length must be at least 1 with a leader-election algorithm, got " + length);
        }
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, realBls, safetyRules, leaders, length, algorithm, proposalValidators, signers, passThroughGuard);
    }

    /** Each node's proposal validator (e.g. a block-validator plugin per node). */
    public SimConfig withProposalValidators(java.util.function.IntFunction<ProposalValidator> v) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, realBls, safetyRules, leaders, epochLength, election, v, signers, passThroughGuard);
    }

    /** Each validator's signer (real BLS, all honest); its public key goes into the validator set. */
    public SimConfig withSigners(java.util.function.IntFunction<ConsensusSigner> s) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, true, safetyRules, leaders, epochLength, election,
                proposalValidators, s, passThroughGuard);
    }

    /** With {@code on}, guards that refuse nothing (see {@code passThroughGuard}). */
    public SimConfig withPassThroughGuard(boolean on) {
        return new SimConfig(nodes, byzantine, rounds, faults, seed, minDelayMs, maxDelayMs, realBls, safetyRules, leaders, epochLength, election,
                proposalValidators, signers, on);
    }

    /** The command line that replays exactly this run (with the built-in round-robin schedule). */
    public String replayCommand() {
        return "./backplane sim --nodes " + nodes + " --byzantine " + byzantine + " --rounds " + rounds
                + " --faults " + Fault.format(faults) + " --epoch-length " + epochLength + (passThroughGuard ? " --pass-through-guard" : "") + " --seeds 1 --seed " + seed + " --json";
    }
}
