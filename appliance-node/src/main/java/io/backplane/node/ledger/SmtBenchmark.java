package io.backplane.node.ledger;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Update cost of a block of changed keys at two state sizes, in one run (medians over several blocks).
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
        double ms1 = median(small, block, blocks);
        double ms2 = median(large, block, blocks);
        System.out.printf("state %d: %.1f ms per block of %d; state %d: %.1f ms; ratio %.2f%n",
                small, ms1, block, large, ms2, ms2 / ms1);
    }

    private static double median(int stateKeys, int block, int blocks) {
        Random rnd = new Random(15);
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        for (int done = 0; done < stateKeys; done += 10_000) {
            Map<byte[], byte[]> batch = new HashMap<>();
            for (int i = done; i < Math.min(stateKeys, done + 10_000); i++) batch.put(("k" + i).getBytes(), ("v" + i).getBytes());
            tree.apply(batch);
        }
        double[] ms = new double[blocks];
        for (int b = 0; b < blocks; b++) {
            Map<byte[], byte[]> batch = new HashMap<>();
            java.util.Set<Integer> chosen = new java.util.HashSet<>();
            while (chosen.size() < block) {
                int k = rnd.nextInt(stateKeys * 2); // about half updates, half inserts
                if (chosen.add(k)) batch.put(("k" + k).getBytes(), ("b" + b + "-" + k).getBytes());
            }
            long t0 = System.nanoTime(); // wall clock for the benchmark's figures only
            tree.apply(batch);
            ms[b] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[blocks / 2];
    }
}
