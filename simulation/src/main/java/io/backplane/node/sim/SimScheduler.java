package io.backplane.node.sim;

import java.util.PriorityQueue;

/**
 * The simulation's single event queue and clock: events run in (time, insertion order), one at a time; the clock
 * jumps to each event's time. Nothing here reads the wall clock.
 */
public final class SimScheduler {
    private record Event(long at, long seq, Runnable action) {
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;
    private long executed;

    public long now() {
        return now;
    }

    public long executed() {
        return executed;
    }

    public void after(long delayMs, Runnable action) {
        queue.add(new Event(now + Math.max(0, delayMs), seq++, action));
    }

    /** Runs the next event; false when none is left. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        now = e.at;
        executed++;
        e.action.run();
        return true;
    }
}
