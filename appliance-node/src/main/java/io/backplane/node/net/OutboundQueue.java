package io.backplane.node.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One peer's bounded outbound queue with lane priority, bounded both in messages and in payload bytes. Full, it makes
 * room by shedding the oldest messages of the lowest-priority lane at or below the new message's lane (BULK first,
 * then SYNC, then old CONSENSUS); when every queued message outranks the new one, the new one is dropped. Thread-safe; no operation waits for more than the
 * short monitor held by the others.
 */
final class OutboundQueue {
    /** A queued message. */
    record Message(Lane lane, byte[] payload) {
    }

    /** Receives each message the queue drops. */
    @FunctionalInterface
    interface DropListener {
        void dropped(Lane lane);
    }

    private static final Lane[] LANES = Lane.values();

    private final int capacity;
    private final long byteCapacity;
    private final DropListener drops;
    private final List<ArrayDeque<byte[]>> lanes = new ArrayList<>(LANES.length);
    private int size;
    private long bytes;

    OutboundQueue(int capacity, long byteCapacity, DropListener drops) {
        this.capacity = capacity;
        this.byteCapacity = byteCapacity;
        this.drops = drops;
        for (int i = 0; i < LANES.length; i++) {
            lanes.add(new ArrayDeque<>());
        }
    }

    /** Queues a message, shedding by lane priority when full. */
    void offer(Lane lane, byte[] payload) {
        int[] shed = null;
        boolean accepted = true;
        synchronized (this) {
            while (size >= capacity || bytes + payload.length > byteCapacity) {
                Lane victim = shedFor(lane);
                if (victim == null || payload.length > byteCapacity) {
                    accepted = false; // everything queued outranks it: the new message is the one dropped
                    break;
                }
                byte[] old = lanes.get(victim.ordinal()).pollFirst();
                size--;
                bytes -= old.length;
                if (shed == null) {
                    shed = new int[LANES.length];
                }
                shed[victim.ordinal()]++;
            }
            if (accepted) {
                lanes.get(lane.ordinal()).addLast(payload);
                size++;
                bytes += payload.length;
            }
        }
        if (!accepted) {
            drops.dropped(lane);
        }
        if (shed != null) {
            report(shed);
        }
    }

    /** Reports drops lowest priority first, the order they were shed in. */
    private void report(int[] counts) {
        for (int i = counts.length - 1; i >= 0; i--) {
            for (int n = 0; n < counts[i]; n++) {
                drops.dropped(LANES[i]);
            }
        }
    }

    /** The lowest-priority non-empty lane not above {@code incoming}, or null. */
    private Lane shedFor(Lane incoming) {
        for (int i = LANES.length - 1; i >= incoming.ordinal(); i--) {
            if (!lanes.get(i).isEmpty()) {
                return LANES[i];
            }
        }
        return null;
    }

    /** The highest-priority message, oldest first within a lane; null when empty. */
    synchronized Message poll() {
        for (int i = 0; i < LANES.length; i++) {
            byte[] p = lanes.get(i).pollFirst();
            if (p != null) {
                size--;
                bytes -= p.length;
                return new Message(LANES[i], p);
            }
        }
        return null;
    }

    /** Drops everything queued (each counted). */
    void clear() {
        int[] counts = new int[LANES.length];
        synchronized (this) {
            for (int i = 0; i < LANES.length; i++) {
                counts[i] = lanes.get(i).size();
                lanes.get(i).clear();
            }
            size = 0;
            bytes = 0;
        }
        report(counts);
    }

    synchronized int size() {
        return size;
    }

    synchronized long bytes() {
        return bytes;
    }
}
