package io.backplane.node.runtime;

import io.backplane.node.consensus.round.ConsensusEvent;
import io.backplane.node.consensus.round.RoundManager;
import io.backplane.node.consensus.round.TimerService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The consensus thread: the round manager is single-threaded, so every input (peer messages, timer firings, ledger
 * progress) is queued here and handled by one thread, in batches ({@link RoundManager#handleAll}: votes that arrived
 * together are verified in one batch). The queue is bounded: when peers flood it, further messages are dropped and
 * counted (consensus recovers lost messages by timeouts and sync); timer and ledger events always get in. After each
 * batch {@code afterBatch} runs on this thread (the node publishes its status snapshot there).
 */
final class ConsensusLoop implements TimerService, AutoCloseable {
    static final int CAPACITY = 65_536;
    private static final int BATCH = 512;

    private final BlockingQueue<ConsensusEvent> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "consensus-timers"));
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile RoundManager rounds;
    private volatile Consumer<RoundManager> afterBatch = rm -> { };
    private volatile boolean running = true;

    private final java.util.function.BiConsumer<String, Throwable> fatal;

    /** {@code fatal}: told when the thread dies of anything but a stop (see {@link ValidatorNode#fatal}). */
    ConsensusLoop(java.util.function.BiConsumer<String, Throwable> fatal) {
        this.fatal = fatal;
        this.thread = new Thread(this::run, "consensus");
        this.thread.setDaemon(true);
    }

    void start(RoundManager rm, Consumer<RoundManager> after) {
        this.rounds = rm;
        this.afterBatch = after;
        thread.start();
    }

    /** From the transport's threads: never blocks; a full queue drops and counts. */
    boolean offer(ConsensusEvent event) {
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Timer and ledger events: waits for room (they are few and must not be lost). */
    void post(ConsensusEvent event) {
        try {
            while (running && !queue.offer(event, 100, TimeUnit.MILLISECONDS)) {
                // the consensus thread is draining
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void schedule(long delayMs, ConsensusEvent event) {
        if (running) {
            timers.schedule(() -> post(event), Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        }
    }

    long dropped() {
        return dropped.get();
    }

    int depth() {
        return queue.size();
    }

    private void run() {
        RoundManager rm = rounds;
        try {
            rm.start();
            afterBatch.accept(rm);
            List<ConsensusEvent> batch = new ArrayList<>(BATCH);
            while (running) {
                ConsensusEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                rm.handleAll(batch);
                batch.clear();
                afterBatch.accept(rm);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // The round manager never throws for hostile input; an exception here is a local fault (a store that
            // failed to write, memory). Stop consensus rather than run on with state that may not be durable.
            running = false;
            fatal.accept("consensus", e);
        }
    }

    boolean running() {
        return running && thread.isAlive();
    }

    boolean alive() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        timers.shutdownNow();
        try {
            thread.join(5_000); // the loop polls with a timeout: it finishes its batch (writes included) and stops
            if (thread.isAlive()) {
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
