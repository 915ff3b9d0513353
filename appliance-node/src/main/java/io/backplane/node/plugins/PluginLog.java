package io.backplane.node.plugins;

import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * What a plugin can make the node log, bounded: text that came from the plugin (an error detail, a rejection reason)
 * is cut to {@value #MAX_TEXT} characters with its control characters replaced, and at most {@value #PER_WINDOW} lines
 * per plugin and minute are written; the next line after a full window says how many were suppressed. The counters
 * ({@code undecided()}, the plugin metrics) still count every event. Wall-clock time here is for the log only.
 */
final class PluginLog {
    static final int MAX_TEXT = 300;
    static final int PER_WINDOW = 20;
    static final long WINDOW_NANOS = 60_000_000_000L;

    private final Logger log;
    private final LongSupplier nanoTime;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    PluginLog(Logger log, LongSupplier nanoTime) {
        this.log = log;
        this.nanoTime = nanoTime;
        this.windowStart = nanoTime.getAsLong();
    }

    /** Plugin-supplied text made safe for one log line. */
    static String cut(String text) {
        if (text == null) {
            return "";
        }
        String t = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
        StringBuilder b = new StringBuilder(t.length() + 32);
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        if (text.length() > MAX_TEXT) {
            b.append("... (").append(text.length() - MAX_TEXT).append(" more characters)");
        }
        return b.toString();
    }

    synchronized void warn(String format, Object... args) {
        if (admit()) {
            log.warn(format, args);
        }
    }

    synchronized void info(String format, Object... args) {
        if (admit()) {
            log.info(format, args);
        }
    }

    /** Lines suppressed so far by the rate limit. */
    synchronized long suppressed() {
        return suppressed;
    }

    private boolean admit() {
        long now = nanoTime.getAsLong();
        if (now - windowStart >= WINDOW_NANOS) {
            if (inWindow > PER_WINDOW) {
                log.warn("{} plugin log lines suppressed in the last minute (at most {} a minute are written)", inWindow - PER_WINDOW, PER_WINDOW);
            }
            windowStart = now;
            inWindow = 0;
        }
        inWindow++;
        if (inWindow <= PER_WINDOW) {
            return true;
        }
        suppressed++;
        return false;
    }
}
