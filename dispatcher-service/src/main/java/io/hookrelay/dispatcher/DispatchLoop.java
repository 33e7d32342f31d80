package io.hookrelay.dispatcher;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.ConsumerSession;
import io.hookrelay.kafka.OffsetCommitter;
import io.hookrelay.kafka.OffsetTracker;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's one consumer thread on {@code webhooks.accepted}. It never waits for HTTP: it
 * hands each record to the {@link EventDispatcher}, notes it in the {@link OffsetTracker}, and
 * commits, from this thread only (a KafkaConsumer is not thread-safe), the prefix of records whose
 * outcomes are durable. Past {@code maxInFlight} deliveries it pauses every partition and resumes
 * once below, so memory stays bounded however slow the subscribers are. It binds its consumer's
 * Kafka client meters and the group's {@code hookrelay_consumer_lag} to the service's registry, and
 * logs one line per change of its partitions.
 */
final class DispatchLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(DispatchLoop.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** Async commits at most this often (ms): each one is a broker round trip. */
    /** The loop counts as stuck when it has not polled for this long (ns). */
    private static final long STALE_POLL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Properties consumerProps;
    private final SubscriptionCatalog catalog;
    private final EventDispatcher dispatcher;
    private final DispatcherMetrics metrics;
    private final int maxInFlight;
    private final Duration drainTimeout;
    private OffsetCommitter committer;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile long lastPollNanos = System.nanoTime();
    private Consumer<String, byte[]> consumer;
    private boolean paused;
    private boolean draining;

    DispatchLoop(Properties consumerProps, SubscriptionCatalog catalog, EventDispatcher dispatcher,
                 DispatcherMetrics metrics, int maxInFlight, Duration drainTimeout) {
        this.consumerProps = consumerProps;
        this.catalog = catalog;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.maxInFlight = maxInFlight;
        this.drainTimeout = drainTimeout;
    }

    /** The name of this loop in recovery meters and log lines. */
    static final String COMPONENT = "dispatcher-consumer";

    @Override
    public void run() {
        try {
            if (awaitCatalog()) {
                // A consumer that fails (a fatal client error, not a broker restart, which it rides
                // out by itself) is closed and built again; its uncommitted records are read again.
                new Recoveries(metrics.registry).keepRunning(COMPONENT, () -> running, this::consume, () -> failed = true);
            }
        } finally {
            stopped.countDown();
        }
    }

    /** One consumer's life: build it, consume until asked to stop, drain, close. */
    private void consume() {
        try (ConsumerSession session = ConsumerSession.open(consumerProps, List.of(Topics.ACCEPTED), metrics.registry)) {
            consumer = session.consumer();
            committer = session.committer();
            paused = false;
            consumer.subscribe(List.of(Topics.ACCEPTED), new Rebalance());
            while (running) {
                committer.commitDue();
                applyBackpressure();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    OffsetTracker.Pending p = committer.track(r);
                    dispatcher.dispatch(r).whenComplete((v, e) -> {
                        if (e == null) {
                            p.complete();
                        }
                    });
                }
                lastPollNanos = System.nanoTime();
                failed = false;
                committer.checkConnection();
            }
            drain();
        } finally {
            consumer = null;
        }
    }

    /**
     * Waits until the subscription view holds everything the topic held at start: matching against
     * a half-loaded view would silently skip deliveries, then commit past them.
     */
    private boolean awaitCatalog() {
        while (running) {
            try {
                if (catalog.awaitCaughtUp(Duration.ofSeconds(1))) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            log.info("Waiting for the subscription catalog to load before consuming {}", Topics.ACCEPTED);
        }
        return false;
    }

    private void applyBackpressure() {
        int inFlight = metrics.inFlight();
        if (!paused && inFlight >= maxInFlight) {
            consumer.pause(consumer.assignment());
            paused = true;
            log.debug("Paused fetching: {} deliveries in flight, the limit is {} (WEBHOOKS_MAX_IN_FLIGHT)", inFlight,
                    maxInFlight);
        } else if (paused && inFlight < maxInFlight) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    /** Stops fetching, waits a bounded time for deliveries in flight, and commits what completed. */
    private void drain() {
        draining = true;
        consumer.pause(consumer.assignment());
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (metrics.inFlight() > 0 && System.nanoTime() < deadline) {
            // Polling paused partitions fetches nothing but keeps the group membership and commits going.
            committer.commitDue();
            consumer.poll(Duration.ofMillis(50));
        }
        if (metrics.inFlight() > 0) {
            log.warn("Closing with {} deliveries still in flight after {}; their events will be delivered again"
                    + " (same webhook-id) after a restart", metrics.inFlight(), drainTimeout);
        }
        committer.commitAll();
    }

    /** Healthy: consuming, polling recently and connected to the cluster. */
    boolean healthy() {
        return running && !failed && committer != null && committer.connected() && System.nanoTime() - lastPollNanos < STALE_POLL_NANOS;
    }

    /** Asks the loop to drain and stop, and waits for it (at most the drain timeout plus a margin). */
    void stop() {
        running = false;
        try {
            if (!stopped.await(drainTimeout.toMillis() + 15_000, TimeUnit.MILLISECONDS)) {
                log.warn("The dispatch loop did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String group() {
        return consumerProps.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
    }

    /** Called on the poll thread, inside poll(). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Commit what is complete for the partitions leaving us; the rest will be redelivered to
            // their new owner: at least once, under the same webhook-id.
            committer.revoked(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may already own them: committing now could overwrite its progress.
            committer.lost(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused || draining) {
                consumer.pause(partitions);
            }
            committer.assigned(partitions);
        }
    }
}
