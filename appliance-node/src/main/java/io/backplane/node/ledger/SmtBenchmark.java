package io.backplane.node.ledger;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Update cost of a block of changed keys at two state sizes, in one run (medians over several blocks): the thread's CPU
 * time (robust on a shared machine) and the wall time.
 * Usage: {@code SmtBenchmark [smallState=10000] [largeState=1000000] [blockKeys=1000] [blocks=7]}.
 */
public final class SmtBenchmark {
    private SmtBenchmark() {}

    public static void main(String[] args) {
        int small = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int block = args.length > 2 ? Integer.parseInt(args[2]) : 1_000;
        int blocks = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        median(small, block, blocks); // warm-up: the first size measured must not pay for the JIT
        double[] ms1 = median(small, block, blocks);
        double[] ms2 = median(large, block, blocks);
        System.out.printf("state %d: %.1f ms CPU (%.1f ms wall) per block of %d; state %d: %.1f ms CPU (%.1f ms wall);"
                        + " ratio %.2f CPU%n",
                small, ms1[0], ms1[1], block, large, ms2[0], ms2[1], ms2[0] / ms1[0]);
    }

    /** {median thread CPU ms, median wall ms} per block. */
    private static double[] median(int stateKeys, int block, int blocks) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Random rnd = new Random(15);
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        for (int done = 0; done < stateKeys; done += 10_000) {
            Map<byte[], byte[]> batch = new HashMap<>();
            for (int i = done; i < Math.min(stateKeys, done + 10_000); i++) batch.put(("k" + i).getBytes(), ("v" + i).getBytes());
            tree.apply(batch);
        }
        double[] cpu = new double[blocks];
        double[] ms = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            Map<byte[], byte[]> batch = new HashMap<>();
            java.util.Set<Integer> chosen = new java.util.HashSet<>();
            while (chosen.size() < block) {
                int k = rnd.nextInt(stateKeys * 2); // about half updates, half inserts
                if (chosen.add(k)) batch.put(("k" + k).getBytes(), ("b" + b + "-" + k).getBytes());
            }
            long c0 = threads.getCurrentThreadCpuTime(); // CPU clock, like the wall clock: figures only
            long t0 = System.nanoTime(); // wall clock for the benchmark's figures only
            tree.apply(batch);
            ms[b] = (System.nanoTime() - t0) / 1e6;
            cpu[b] = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        Arrays.sort(cpu);
        Arrays.sort(ms);
        return new double[] {cpu[blocks / 2], ms[blocks / 2]};
    }
}
