package io.backplane.node.plugins;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** What a plugin can make the node log: cut, control characters replaced, at most 20 lines a minute. */
class PluginLogTest {
    /** An in-memory logger that keeps every formatted line (a working lightweight implementation, not a mock). */
    static final class InMemoryLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        final List<String> lines = new ArrayList<>();

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String msg, Object[] args, Throwable t) {
            lines.add(level + " " + MessageFormatter.basicArrayFormat(msg, args));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }

    @Test
    void aFloodOfPluginErrorsWritesTwentyLinesAMinuteAndSaysHowManyWereSuppressed() {
        InMemoryLogger logger = new InMemoryLogger();
        AtomicLong now = new AtomicLong();
        PluginLog log = new PluginLog(logger, now::get);
        String fifteenMegabytes = "E".repeat(15 << 20);
        for (int i = 0; i < 1000; i++) {
            log.warn("ALERT plugin {} undecided ({})", "p", PluginLog.cut(fifteenMegabytes));
        }
        assertThat(logger.lines).hasSize(PluginLog.PER_WINDOW);
        assertThat(logger.lines).allSatisfy(l -> assertThat(l.length()).isLessThan(PluginLog.MAX_TEXT + 100));
        assertThat(log.suppressed()).isEqualTo(1000 - PluginLog.PER_WINDOW);
        now.addAndGet(PluginLog.WINDOW_NANOS);
        log.warn("ALERT plugin {} undecided ({})", "p", "again");
        assertThat(logger.lines.subList(PluginLog.PER_WINDOW, logger.lines.size()))
                .containsExactly("WARN 980 plugin log lines suppressed in the last minute (at most 20 a minute are written)", "WARN ALERT plugin p undecided (again)");
    }

    @Test
    void pluginTextIsCutAndCannotForgeLogLines() {
        assertThat(PluginLog.cut("ok\nINFO forged line\u001b[31m")).isEqualTo("ok?INFO forged line?[31m");
        assertThat(PluginLog.cut("x".repeat(PluginLog.MAX_TEXT + 5))).isEqualTo("x".repeat(PluginLog.MAX_TEXT) + "... (5 more characters)");
        assertThat(PluginLog.cut(null)).isEmpty();
    }
}
