package io.backplane.node.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.ledger.SparseMerkleTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random instants of a child JVM executing a seeded ledger workload on the node database: after every kill the
 * database holds the state of exactly one executed height (the tree's root, the stored root of that height and the
 * reference root agree), at least as high as every commit the child saw return, and the next life continues from it.
 * A commit written in two parts (nodes, then the height) fails here whenever a kill lands between them.
 */
class LedgerCrashIT {
    static final int KILLS = Integer.getInteger("backplane.store.kills", 6);
    /** Few changes a height, so that the commit (the window a split write would open) is a large part of each cycle. */
    static final int CHANGES = 4;

    @TempDir
    Path dir;

    @Test
    void aKillLeavesTheStateOfOneExecutedHeight() throws Exception {
        long seed = Long.getLong("backplane.store.seed", 3L);
        Random rng = new Random(seed);
        System.out.println("LedgerCrashIT seed " + seed + " (replay: -Dbackplane.store.seed=" + seed + ")");
        Path db = dir.resolve("db");
        Path progress = dir.resolve("progress");
        Path err = dir.resolve("child.err");
        List<byte[]> expected = LedgerWorkload.expectedRoots(seed, 5_000, CHANGES);
        long executed = 0;
        for (int k = 0; k < KILLS; k++) {
            long before = reported(progress);
            Process p = NodeDatabaseChild.start(err, "ledger", db.toString(), Long.toString(seed), Integer.toString(CHANGES), progress.toString());
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (reported(progress) == before && p.isAlive() && System.nanoTime() < waitUntil) {
                Thread.sleep(5);
            }
            assertThat(reported(progress)).as("the child committed within 60 s: see %s", err).isGreaterThan(before);
            boolean exited = p.waitFor(50 + rng.nextInt(400), TimeUnit.MILLISECONDS);
            assertThat(exited).as("the child died on its own: see %s", err).isFalse();
            p.destroyForcibly();
            p.waitFor();
            long lastSeen = reported(progress);
            assertThat(lastSeen).as("the child stays inside the reference workload").isLessThan(expected.size());
            try (NodeDatabase nd = NodeDatabase.open(db)) {
                LedgerStore store = nd.ledgerStore();
                long h = store.executedHeight();
                assertThat(h).as("kill %d: executed height vs the last commit that returned", k).isGreaterThanOrEqualTo(lastSeen);
                assertThat(h).as("kill %d: executed height only grows", k).isGreaterThanOrEqualTo(executed);
                assertThat(new SparseMerkleTree(store).root()).as("kill %d: the tree's root at height %d", k, h).isEqualTo(expected.get((int) h));
                assertThat(store.stateRootAt(h).orElseThrow()).as("kill %d: the stored root of height %d", k, h).isEqualTo(expected.get((int) h));
                assertThat(store.txHeight(LedgerWorkload.tx(h, 1))).isEqualTo(OptionalLong.of(h));
                assertThat(store.txHeight(LedgerWorkload.tx(h + 1, 0))).as("kill %d: nothing of height %d", k, h + 1).isEmpty();
                executed = h;
                System.out.println("LedgerCrashIT kill " + k + ": executed height " + h);
            }
        }
        assertThat(executed).as("the children made progress").isGreaterThanOrEqualTo(KILLS);
    }

    private static long reported(Path progress) throws java.io.IOException {
        if (!Files.exists(progress)) {
            return 0;
        }
        return Files.readAllLines(progress).stream().filter(s -> !s.isBlank()).mapToLong(Long::parseLong).max().orElse(0);
    }
}
