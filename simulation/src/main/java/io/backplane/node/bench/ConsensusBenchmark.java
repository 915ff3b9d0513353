package io.backplane.node.bench;

import io.backplane.node.consensus.crypto.QuorumCrypto;
import io.backplane.node.consensus.crypto.SecretSigner;
import io.backplane.node.sim.Fault;
import io.backplane.node.sim.SimConfig;
import io.backplane.node.sim.SimResult;
import io.backplane.node.sim.Simulation;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;

/**
 * Runs the whole protocol for n validators in one thread on the simulated network and reports what it costs:
 * <ul>
 *   <li>zero delay, no faults, all honest: blocks committed per wall-clock second for all n nodes together, votes
 *       verified per second, and the share of the time spent inside signature work (signing, verifying,
 *       aggregating), with real BLS12-381 (jblst) and with the simulated stand-in;</li>
 *   <li>realistic delays (5..50 ms one way), stand-in signatures: blocks per simulated second and simulated
 *       milliseconds per committed block (latency-bound throughput).</li>
 * </ul>
 * Usage: {@code java -cp ... io.backplane.node.bench.ConsensusBenchmark [n...]} (default 4 7 16 31).
 */
public final class ConsensusBenchmark {
    private ConsensusBenchmark() {
    }

    /** Adds up the nanoseconds spent in signature work. Single-threaded, like the simulation. */
    static final class TimingTap implements Simulation.CryptoTap {
        long nanos;

        @Override
        public QuorumCrypto wrap(QuorumCrypto c) {
            return new QuorumCrypto() {
                @Override
                public boolean verify(int signer, byte[] message, byte[] signature) {
                    long t = System.nanoTime();
                    try {
                        return c.verify(signer, message, signature);
                    } finally {
                        nanos += System.nanoTime() - t;
                    }
                }

                @Override
                public byte[] aggregate(List<byte[]> signatures) {
                    long t = System.nanoTime();
                    try {
                        return c.aggregate(signatures);
                    } finally {
                        nanos += System.nanoTime() - t;
                    }
                }

                @Override
                public boolean verifyAggregate(BitSet signers, byte[] message, byte[] aggregate) {
                    long t = System.nanoTime();
                    try {
                        return c.verifyAggregate(signers, message, aggregate);
                    } finally {
                        nanos += System.nanoTime() - t;
                    }
                }

                @Override
                public boolean verifyAggregateDistinct(int[] signers, List<byte[]> messages, byte[] aggregate) {
                    long t = System.nanoTime();
                    try {
                        return c.verifyAggregateDistinct(signers, messages, aggregate);
                    } finally {
                        nanos += System.nanoTime() - t;
                    }
                }
            };
        }

        @Override
        public SecretSigner wrap(SecretSigner k) {
            return new SecretSigner() {
                @Override
                public byte[] publicKey() {
                    return k.publicKey();
                }

                @Override
                public byte[] sign(byte[] message) {
                    long t = System.nanoTime();
                    try {
                        return k.sign(message);
                    } finally {
                        nanos += System.nanoTime() - t;
                    }
                }

                @Override
                public byte[] proofOfPossession() {
                    return k.proofOfPossession();
                }
            };
        }
    }

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {4, 7, 16, 31} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        // Warm up the JIT on both schemes.
        Simulation.run(SimConfig.of(4, 0, 300, EnumSet.noneOf(Fault.class), 1).withDelays(0, 0));
        Simulation.run(SimConfig.of(4, 0, 10, EnumSet.noneOf(Fault.class), 1).withDelays(0, 0).withRealBls(true));
        System.out.println("zero delay, no faults, all honest, all n nodes in one thread");
        System.out.printf("%-10s %4s %7s %9s %10s %14s %12s%n", "scheme", "n", "rounds", "blocks", "blocks/s", "votes verif/s", "sig share");
        for (boolean bls : new boolean[] {false, true}) {
            for (int n : sizes) {
                long rounds = bls ? Math.max(10, 400 / n) : Math.max(200, 20000 / n);
                zeroDelay(n, rounds, bls);
            }
        }
        System.out.println();
        System.out.println("realistic delays 5..50 ms one way, simulated signatures, no faults, all honest");
        System.out.printf("%-4s %7s %9s %14s %16s %12s%n", "n", "rounds", "blocks", "blocks/sim-s", "sim-ms per block", "wall ms");
        for (int n : sizes) {
            long t = System.nanoTime();
            SimResult r = Simulation.run(SimConfig.of(n, 0, 400, EnumSet.noneOf(Fault.class), 7).withDelays(5, 50));
            double wallMs = (System.nanoTime() - t) / 1e6;
            System.out.printf("%-4d %7d %9d %14.1f %16.1f %12.0f%n", n, r.rounds(), r.committedBlocks(),
                    r.committedBlocks() * 1000.0 / r.simulatedMs(), r.simulatedMs() / (double) r.committedBlocks(), wallMs);
        }
    }

    static void zeroDelay(int n, long rounds, boolean bls) {
        TimingTap tap = new TimingTap();
        long t = System.nanoTime();
        SimResult r = Simulation.run(SimConfig.of(n, 0, rounds, EnumSet.noneOf(Fault.class), 3).withDelays(0, 0).withRealBls(bls), tap);
        long wall = System.nanoTime() - t;
        double s = wall / 1e9;
        long verified = r.counters().getOrDefault("votes.verified", 0L);
        System.out.printf("%-10s %4d %7d %9d %10.1f %14.0f %11.0f%%%n", bls ? "bls" : "simulated", n, r.rounds(), r.committedBlocks(),
                r.committedBlocks() / s, verified / s, 100.0 * tap.nanos / wall);
        if (r.failed()) {
            System.out.println("  run failed: " + r.describe());
        }
    }
}
