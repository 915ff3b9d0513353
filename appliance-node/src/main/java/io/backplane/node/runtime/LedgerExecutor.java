package io.backplane.node.runtime;

import io.backplane.codec.CodecException;
import io.backplane.node.app.BlockResult;
import io.backplane.node.app.LedgerApp;
import io.backplane.node.consensus.round.ConsensusEvent;
import io.backplane.node.consensus.round.LedgerHandoff;
import io.backplane.node.consensus.types.Block;
import io.backplane.node.ledger.LedgerStore;
import io.backplane.node.mempool.Mempool;
import io.backplane.node.tx.Transaction;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger's thread behind the consensus core's bounded {@link LedgerHandoff}: committed blocks are queued by the
 * consensus thread and executed here, in height order, by the {@link LedgerApp} (which makes each height durable with
 * its state root); their transactions then leave the mempool, and {@link ConsensusEvent.LedgerProgress} tells the
 * consensus thread there is room again. A block whose header names a state root this node computed differently is a
 * divergence: it is logged at ERROR and counted, and the node stops voting for blocks that carry that root.
 */
final class LedgerExecutor implements LedgerHandoff, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerExecutor.class);
    static final int CAPACITY = 32;

    record Committed(Block block, long height) {
    }

    /** What the node learns from each executed block (metrics, status). */
    interface Observer {
        void executed(Block block, long height, BlockResult result, List<Transaction> txs);
    }

    private final LedgerApp app;
    private final LedgerStore store;
    private final Mempool mempool;
    private final Consumer<ConsensusEvent> progress;
    private final Observer observer;
    private final BlockingQueue<Committed> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long divergences;
    private long accepted;

    private final java.util.function.BiConsumer<String, Throwable> fatal;

    LedgerExecutor(LedgerApp app, LedgerStore store, Mempool mempool, Consumer<ConsensusEvent> progress, Observer observer,
                   java.util.function.BiConsumer<String, Throwable> fatal) {
        this.fatal = fatal;
        this.app = app;
        this.store = store;
        this.mempool = mempool;
        this.progress = progress;
        this.observer = observer;
        this.accepted = app.executedHeight();
        this.thread = ConsensusLoop.daemon(this::run, "ledger");
        thread.start();
    }

    @Override
    public long acceptedHeight() {
        return accepted;
    }

    @Override
    public int remainingCapacity() {
        return queue.remainingCapacity();
    }

    @Override
    public void accept(Block block, long height) {
        if (!queue.offer(new Committed(block, height))) {
            throw new IllegalStateException("ledger hand-off full at height " + height + " (the core checks capacity first)");
        }
        accepted = height;
    }

    boolean running() {
        return running && thread.isAlive();
    }

    boolean alive() {
        return thread.isAlive();
    }

    long divergences() {
        return divergences;
    }

    private void run() {
        try {
            while (running || !queue.isEmpty()) {
                Committed c = queue.poll(200, TimeUnit.MILLISECONDS);
                if (c == null) {
                    continue;
                }
                execute(c);
                progress.accept(new ConsensusEvent.LedgerProgress());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("ledger stopped at height {}", app.executedHeight() + 1);
            running = false;
            fatal.accept("ledger", e);
        }
    }

    private void execute(Committed c) {
        if (c.height() <= app.executedHeight()) {
            return; // handed again after a restart; already durable
        }
        List<Transaction> txs = List.of();
        if (!c.block().isGenesis() && c.block().payload().length > 0) {
            try {
                NodePayload p = NodePayload.decode(c.block().payload());
                txs = p.txs();
                checkRoot(p, c.height());
            } catch (CodecException e) {
                LOG.warn("committed block at height {} has an undecodable payload ({}); executed as empty", c.height(), e.getMessage());
            }
        }
        // Which signatures this node's mempool already verified.
        java.util.Set<java.nio.ByteBuffer> verified = new java.util.HashSet<>();
        for (Transaction t : txs) {
            byte[] h = t.hash();
            if (mempool.pending(h)) {
                verified.add(java.nio.ByteBuffer.wrap(h));
            }
        }
        BlockResult result = app.execute(c.height(), txs, h -> verified.contains(java.nio.ByteBuffer.wrap(h)));
        observer.executed(c.block(), c.height(), result, txs);
        mempool.committed(txs);
    }

    private void checkRoot(NodePayload p, long height) {
        if (p.stateHeight() >= height) {
            LOG.error("block at height {} claims the state root of height {} (not executed before it)", height, p.stateHeight());
            divergences++;
            return;
        }
        store.stateRootAt(p.stateHeight()).ifPresent(mine -> {
            if (!Arrays.equals(mine, p.stateRoot())) {
                divergences++;
                LOG.error("state divergence: the block at height {} carries state root {} for height {}, this node computed {}",
                        height, java.util.HexFormat.of().formatHex(p.stateRoot()), p.stateHeight(), java.util.HexFormat.of().formatHex(mine));
            }
        });
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
