package io.hookrelay.kafka;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.hookrelay.logging.LogLine;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Streams client that heals itself. A stream thread that dies is replaced after a backoff
 * ({@link Backoff}): every topology here reads bytes and turns bad input into a rejection, so what
 * kills a thread is the cluster (a broker restart, a metadata timeout, a fenced or errored
 * transactional producer, a corrupted task), and a new thread with a new producer resumes from the
 * last commit, exactly once. Should the client itself end up in {@code ERROR} or stop on its own,
 * a watchdog closes it and builds a new one from the same factory. Each recovery is counted and
 * logged by {@link Recoveries}; {@link #isRunning()} is false while the client is not processing.
 *
 * <p>Callers that hold on to the client (interactive queries, meters) register with
 * {@link #onEachStart} and are handed every new instance before it starts.
 */
public final class SupervisedStreams implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SupervisedStreams.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WATCH = Duration.ofSeconds(1);

    private final String component;
    private final String applicationId;
    private final Supplier<KafkaStreams> factory;
    private final Recoveries recoveries;
    private final List<Consumer<KafkaStreams>> onStart = new CopyOnWriteArrayList<>();
    private final Backoff threadBackoff = new Backoff();
    private final Backoff clientBackoff = new Backoff();
    private final ScheduledExecutorService watchdog;
    private volatile KafkaStreams streams;
    private volatile boolean closed;

    private SupervisedStreams(String component, String applicationId, Supplier<KafkaStreams> factory,
                              Recoveries recoveries) {
        this.component = component;
        this.applicationId = applicationId;
        this.factory = factory;
        this.recoveries = recoveries;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, component + "-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds a client with {@code factory}, starts it and watches it; returns at once.
     *
     * @param component the name in meters, logs and {@code /health} ({@code ingest-streams})
     */
    public static SupervisedStreams start(String component, String applicationId, Supplier<KafkaStreams> factory,
                                          Recoveries recoveries) {
        SupervisedStreams s = new SupervisedStreams(component, applicationId, factory, recoveries);
        s.streams = s.build();
        s.streams.start();
        s.watchdog.scheduleWithFixedDelay(s::watch, WATCH.toMillis(), WATCH.toMillis(), TimeUnit.MILLISECONDS);
        return s;
    }

    /** Hands {@code listener} the current client now and every rebuilt one before it starts. */
    public void onEachStart(Consumer<KafkaStreams> listener) {
        onStart.add(listener);
        listener.accept(streams);
    }

    /** The current client; a new instance after a rebuild. */
    public KafkaStreams streams() {
        return streams;
    }

    /** True in state RUNNING only: a rebalancing or restoring client is not processing. */
    public boolean isRunning() {
        return !closed && streams.state() == KafkaStreams.State.RUNNING;
    }

    private KafkaStreams build() {
        KafkaStreams s = factory.get();
        // A rebalance shows here as RUNNING -> REBALANCING -> RUNNING.
        s.setStateListener((now, before) -> log.info("{}", LogLine.event("streams.state_changed")
                .with("application_id", applicationId).with("from", before).with("to", now)));
        s.setUncaughtExceptionHandler(e -> {
            if (closed) {
                return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            Duration wait = threadBackoff.next();
            recoveries.record(component, Recoveries.Action.REPLACE_THREAD, e, wait);
            // On the dying thread: the replacement starts when this returns, so the wait is the backoff.
            Backoff.sleep(wait);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        for (Consumer<KafkaStreams> l : onStart) {
            l.accept(s);
        }
        return s;
    }

    /** Rebuilds a client that has stopped for good (ERROR, or NOT_RUNNING without our close). */
    private void watch() {
        if (closed) {
            return;
        }
        try {
            KafkaStreams.State state = streams.state();
            boolean dead = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
                    || state == KafkaStreams.State.PENDING_ERROR;
            if (!dead) {
                return;
            }
            Duration wait = clientBackoff.next();
            recoveries.record(component, Recoveries.Action.REBUILD_CLIENT,
                    new IllegalStateException("the Streams client is in state " + state), wait);
            // Leaving the group, so the new member is assigned at once instead of after the session timeout.
            streams.close(leaveGroup());
            if (!Backoff.sleep(wait) || closed) {
                return;
            }
            KafkaStreams fresh = build();
            streams = fresh;
            fresh.start();
        } catch (RuntimeException e) {
            // Never let the watchdog die: a scheduled task that throws is never run again.
            log.warn("{}", LogLine.event("kafka.recovery_failed").with("component", component)
                    .with("error", e.toString()));
        }
    }

    private static CloseOptions leaveGroup() {
        return CloseOptions.timeout(CLOSE_TIMEOUT).withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    }

    /** Closes the client, leaving the group so its partitions move at once; waits at most 10 s. Safe twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        watchdog.shutdownNow();
        // Leaving the group hands the partitions over at once. Streams' default is to stay, so a
        // restarted app would wait out the old member's session timeout (45 s) before processing.
        if (!streams.close(leaveGroup())) {
            log.warn("{} did not close within {}; uncommitted work will be redone at the next start", component,
                    CLOSE_TIMEOUT);
        }
    }
}
