package io.backplane.node.store;

import io.backplane.node.ledger.InMemoryNodeStore;
import io.backplane.node.ledger.SparseMerkleTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded ledger workload: the changes of height h are a function of (seed, h) alone, so a child process and the test
 * that kills it agree on them. About a fifth of the changes delete (often a key that holds nothing).
 */
final class LedgerWorkload {
    static final int KEYS = 300;
    static final int CHANGES = 40;

    private LedgerWorkload() {
    }

    static Map<byte[], byte[]> changes(long seed, long height) {
        return changes(seed, height, CHANGES);
    }

    static Map<byte[], byte[]> changes(long seed, long height, int count) {
        Random rng = new Random(seed * 1_000_003L + height);
        List<Integer> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(i);
        }
        java.util.Collections.shuffle(keys, rng);
        Map<byte[], byte[]> out = new HashMap<>();
        for (int i = 0; i < count; i++) {
            byte[] value = null;
            if (rng.nextInt(5) != 0) {
                value = new byte[1 + rng.nextInt(40)];
                rng.nextBytes(value);
            }
            out.put(key(keys.get(i)), value);
        }
        return out;
    }

    static byte[] key(int n) {
        return ("key-" + n).getBytes(StandardCharsets.US_ASCII);
    }

    static List<byte[]> txs(long height) {
        return List.of(tx(height, 0), tx(height, 1));
    }

    static byte[] tx(long height, int i) {
        return io.backplane.node.consensus.types.BlockId.sha256(("tx " + height + " " + i).getBytes(StandardCharsets.US_ASCII)).bytes();
    }

    /** The root after each height 0..n over the in-memory store (index 0: the empty tree). */
    static List<byte[]> expectedRoots(long seed, int n) {
        return expectedRoots(seed, n, CHANGES);
    }

    static List<byte[]> expectedRoots(long seed, int n, int count) {
        SparseMerkleTree tree = new SparseMerkleTree(new InMemoryNodeStore());
        List<byte[]> roots = new ArrayList<>();
        roots.add(tree.root());
        for (int h = 1; h <= n; h++) {
            roots.add(tree.apply(changes(seed, h, count)));
        }
        return roots;
    }
}
