package io.hookrelay.kafka;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import io.hookrelay.logging.LogLine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a service's Kafka clients recover from transient failures, counted and logged in one place:
 * {@code hookrelay_kafka_recoveries_total{component,action,error}} and one WARN line per recovery,
 * {@code event=kafka.recovering component=... action=... error=... backoff_ms=...}. The stack trace
 * goes to DEBUG: a broker restart is an ordinary event, not a page of Java.
 */
public final class Recoveries {

    /** What was done to recover. */
    public enum Action {
        /** A Kafka Streams stream thread died and was replaced (the client's other threads went on). */
        REPLACE_THREAD,
        /** A client was closed and built again. */
        REBUILD_CLIENT;

        String wire() {
            return name().toLowerCase();
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Recoveries.class);

    private final MeterRegistry registry;

    public Recoveries(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Runs {@code body}, a consumer's whole life (build the client, consume until asked to stop,
     * close it in a {@code finally}), until it returns normally. When it throws while still
     * {@code running}, {@code onFailure} runs (health goes DOWN), the failure is counted and logged,
     * and after a {@link Backoff} the body runs again with a new client: what was not committed is
     * read again, so nothing is lost, and duplicates carry the same webhook-id.
     */
    public void keepRunning(String component, BooleanSupplier running, Runnable body, Runnable onFailure) {
        Backoff backoff = new Backoff();
        while (running.getAsBoolean()) {
            try {
                body.run();
                return;
            } catch (RuntimeException e) {
                onFailure.run();
                if (!running.getAsBoolean()) {
                    log.warn("{}", LogLine.event("kafka.stopped_with_error").with("component", component)
                            .with("error", errorType(e) + ": " + firstLine(rootMessage(e))));
                    return;
                }
                Duration wait = backoff.next();
                record(component, Action.REBUILD_CLIENT, e, wait);
                if (!Backoff.sleep(wait)) {
                    return;
                }
            }
        }
    }

    /** Counts and logs one recovery of {@code component} from {@code error}, about to happen after {@code backoff}. */
    public void record(String component, Action action, Throwable error, Duration backoff) {
        String errorType = errorType(error);
        Counter.builder("hookrelay.kafka.recoveries")
                .description("Kafka clients recovered after a failure: a stream thread replaced or a client rebuilt")
                .tag("component", component).tag("action", action.wire()).tag("error", errorType)
                .register(registry).increment();
        log.warn("{}", LogLine.event("kafka.recovering").with("component", component).with("action", action.wire())
                .with("error", errorType + ": " + firstLine(rootMessage(error))).with("backoff_ms", backoff.toMillis()));
        log.debug("Recovering {} from", component, error);
    }

    /** The most telling exception class: the innermost cause, which is what went wrong (a timeout, a fenced producer). */
    static String errorType(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? "" : t.getMessage();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
