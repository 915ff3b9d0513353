package io.backplane.node.store;

import static io.backplane.node.store.Chain.GENESIS;
import static io.backplane.node.store.Chain.assertSameSnapshot;
import static io.backplane.node.store.Chain.certify;
import static io.backplane.node.store.Chain.child;
import static org.assertj.core.api.Assertions.assertThat;

import io.backplane.node.consensus.round.BlockStore;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.consensus.types.TimeoutMsg;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random runs of every {@link BlockStore} call on the RocksDB store and the in-memory reference side by side, with
 * restarts of the RocksDB store: after every call both answer the same (load, ranges, heights, own timeout).
 */
class RocksBlockStoreModelTest {
    @TempDir
    Path dir;

    @Test
    void theRocksDbStoreAnswersAsTheInMemoryReference() {
        long seed = Long.getLong("backplane.store.seed", 5L);
        System.out.println("RocksBlockStoreModelTest seed " + seed + " (replay: -Dbackplane.store.seed=" + seed + ")");
        Random rng = new Random(seed);
        io.backplane.node.consensus.round.InMemoryBlockStore model = new io.backplane.node.consensus.round.InMemoryBlockStore();
        NodeDatabase db = NodeDatabase.open(dir.resolve("db"));
        try {
            List<Block> known = new ArrayList<>(List.of(GENESIS));
            List<Block> mainChain = new ArrayList<>(List.of(GENESIS));
            long round = 0;
            long height = 0; // committed on the main chain
            for (int step = 0; step < 400; step++) {
                String what;
                int op = rng.nextInt(100);
                if (op < 35) {
                    round += 1 + (rng.nextInt(4) == 0 ? 1 : 0);
                    Block b = child(mainChain.get(mainChain.size() - 1), round, "m" + round);
                    mainChain.add(b);
                    known.add(b);
                    both(model, db, s -> s.saveBlock(b));
                    what = "save main block r" + round;
                } else if (op < 50) {
                    Block parent = known.get(rng.nextInt(known.size()));
                    Block b = child(parent, parent.round() + 1 + rng.nextInt(3), "f" + step);
                    known.add(b);
                    both(model, db, s -> s.saveBlock(b));
                    what = "save fork r" + b.round();
                } else if (op < 65 && mainChain.size() - 1 > height) {
                    int n = 1 + rng.nextInt((int) Math.min(4, mainChain.size() - 1 - height));
                    long first = height + 1 - (rng.nextInt(3) == 0 ? Math.min(height, 2) : 0); // sometimes overlapping
                    List<Block> blocks = List.copyOf(mainChain.subList((int) first, (int) (height + n + 1)));
                    both(model, db, s -> s.saveCommitted(blocks, first));
                    height += n;
                    what = "commit " + first + ".." + height;
                } else if (op < 72) {
                    long below = rng.nextInt((int) height + 3);
                    both(model, db, s -> s.pruneBelow(below));
                    what = "prune below " + below;
                } else if (op < 80) {
                    Block b = known.get(rng.nextInt(known.size()));
                    both(model, db, s -> s.saveHighQc(certify(b)));
                    what = "high QC r" + b.round();
                } else if (op < 86) {
                    Block b = known.get(rng.nextInt(known.size()));
                    long r = b.round() + rng.nextInt(3);
                    both(model, db, s -> s.saveHighTc(Chain.tc(r, certify(b))));
                    what = "high TC r" + r;
                } else if (op < 93) {
                    long r = Math.max(1, round - 2 + rng.nextInt(4));
                    TimeoutMsg t = Chain.timeout(r, certify(known.get(rng.nextInt(known.size()))), rng.nextBoolean() ? new byte[0] : new byte[] {(byte) step});
                    both(model, db, s -> s.saveOwnTimeout(t));
                    what = "own timeout r" + r;
                } else {
                    db.close();
                    db = NodeDatabase.open(dir.resolve("db"));
                    what = "restart";
                }
                BlockStore rocks = db.blockStore();
                String at = "seed " + seed + " step " + step + " (" + what + ")";
                try {
                    assertSameSnapshot(rocks.load(), model.load());
                } catch (AssertionError e) {
                    throw new AssertionError(at + ": " + e.getMessage(), e);
                }
                long from = rng.nextInt((int) height + 2);
                long to = from + rng.nextInt(6) - 1;
                assertThat(rocks.committedRange(from, to).stream().map(Chain::hex).toList()).as("%s: range %d..%d", at, from, to)
                        .isEqualTo(model.committedRange(from, to).stream().map(Chain::hex).toList());
                Block probe = known.get(rng.nextInt(known.size()));
                assertThat(rocks.committedHeight(probe.id())).as("%s: height of %s", at, probe).isEqualTo(model.committedHeight(probe.id()));
                assertThat(Chain.hex(rocks.ownTimeout())).as(at).isEqualTo(Chain.hex(model.ownTimeout()));
            }
            assertThat(height).as("the run committed something").isGreaterThan(10);
        } finally {
            db.close();
        }
    }

    private static void both(BlockStore model, NodeDatabase db, java.util.function.Consumer<BlockStore> call) {
        call.accept(model);
        call.accept(db.blockStore());
    }
}
