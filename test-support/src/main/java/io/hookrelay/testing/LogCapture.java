package io.hookrelay.testing;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Every log event of the process while installed, from a Logback {@link ListAppender} on the root
 * logger, with Hookrelay's own loggers at DEBUG so that what would show at any level is checked.
 */
public final class LogCapture implements AutoCloseable {

    /** One event: its level and everything it would print (message and stack trace). */
    public record Line(Level level, String logger, String text) {
    }

    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final Logger hookrelay = (Logger) LoggerFactory.getLogger("io.hookrelay");
    private final Level hookrelayLevel = hookrelay.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture() {
        appender.start();
        root.addAppender(appender);
        hookrelay.setLevel(Level.DEBUG);
    }

    public static LogCapture install() {
        return new LogCapture();
    }

    public List<Line> lines() {
        synchronized (appender) {
            return appender.list.stream().map(e -> new Line(e.getLevel(), e.getLoggerName(), e.getFormattedMessage()
                    + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy()))))
                    .toList();
        }
    }

    /** Lines at INFO or above, as the default configuration shows them. */
    public List<Line> shownByDefault() {
        return lines().stream().filter(l -> l.level().isGreaterOrEqual(Level.INFO)).toList();
    }

    @Override
    public void close() {
        hookrelay.setLevel(hookrelayLevel);
        root.detachAppender(appender);
        appender.stop();
    }
}
