package io.backplane.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class LogFormatTest {
    @Test
    void oneLinePerEventWithTheNodeId() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDERR");
        MDC.put("node", "n3");
        try {
            LoggingEvent event = new LoggingEvent(Logger.class.getName(), ctx.getLogger("io.backplane.Test"),
                    ch.qos.logback.classic.Level.WARN, "round 7\nblock abc", null, null);
            String line = new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
            assertThat(line).contains("[n3]").contains("WARN").contains("round 7 block abc");
            assertThat(line.strip()).doesNotContain("\n");
        } finally {
            MDC.remove("node");
        }
    }
}
