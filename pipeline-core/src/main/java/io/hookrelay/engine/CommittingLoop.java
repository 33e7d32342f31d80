package io.hookrelay.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.hookrelay.kafka.ConsumerSession;
import io.hookrelay.kafka.OffsetCommitter;
import io.hookrelay.kafka.OffsetTracker;
import io.hookrelay.kafka.Recoveries;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's one consumer thread: the dispatcher's on {@code webhooks.accepted}, the
 * retry-service's on the delay topics. It never sleeps and never waits on HTTP, so however slow
 * the subscribers or long a delay, the group never evicts it for missing
 * {@code max.poll.interval.ms}.
 *
 * <p>Each record goes to the service's {@link Intake}, which starts its work and hands back the
 * outcome; the offset is committed, from this thread only (a KafkaConsumer is not thread-safe),
 * once the outcomes of it and everything before it are durable. A record the intake says is not
 * due yet is not held in memory: the partition is rewound to it and paused, with a timer
 * ({@link DueGate}); once due, it is resumed and the record read again. Each partition waits on
 * its own, so a long tier never holds up a short one. Past {@code maxInFlight} every partition is
 * paused until below, so memory stays bounded. Binds its consumer's Kafka client meters and the
 * group's {@code hookrelay_consumer_lag} to the service's registry, and logs one line per change of
 * its partitions.
 */
public final class CommittingLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(CommittingLoop.class);
    /**
     * Longest poll (ms). A held partition falls due between polls, so this bounds how late the loop
     * notices it; the poll is cut shorter when a timer is due sooner.
     */
    private static final long MAX_POLL_MS = 50;
    /** The loop counts as stuck when it has not polled for this long (ns). */
    private static final long STALE_POLL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String component;
    private final Properties consumerProps;
    private final List<String> topics;
    private final SubscriptionCatalog catalog;
    private final Intake intake;
    private final EngineMeters meters;
    private final int maxInFlight;
    private final Duration drainTimeout;
    private final Clock clock;
    private final DueGate gate = new DueGate();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile long lastPollNanos = System.nanoTime();
    private volatile OffsetCommitter committer;
    private Consumer<String, byte[]> consumer;
    private boolean draining;
    private boolean overLimit;

    /** @param component this loop's name in recovery meters and log lines, such as {@code dispatcher-consumer} */
    public CommittingLoop(String component, Properties consumerProps, List<String> topics, SubscriptionCatalog catalog,
                          Intake intake, EngineMeters meters, int maxInFlight, Duration drainTimeout, Clock clock) {
        this.component = component;
        this.consumerProps = consumerProps;
        this.topics = List.copyOf(topics);
        this.catalog = catalog;
        this.intake = intake;
        this.meters = meters;
        this.maxInFlight = maxInFlight;
        this.drainTimeout = drainTimeout;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            if (awaitCatalog()) {
                // A consumer that fails (a fatal client error, not a broker restart, which it rides
                // out by itself) is closed and built again; its uncommitted records are read again.
                new Recoveries(meters.registry()).keepRunning(component, () -> running, this::consume, () -> failed = true);
            }
        } finally {
            stopped.countDown();
        }
    }

    /** One consumer's life: build it, consume until asked to stop, drain, close. */
    private void consume() {
        try (ConsumerSession session = ConsumerSession.open(consumerProps, topics, meters.registry())) {
            consumer = session.consumer();
            committer = session.committer();
            gate.clear();
            overLimit = false;
            consumer.subscribe(topics, new Rebalance());
            while (running) {
                committer.commitDue();
                gate.release(clock.millis());
                applyPauses();
                ConsumerRecords<String, byte[]> batch = consumer.poll(pollTimeout());
                for (TopicPartition tp : batch.partitions()) {
                    take(tp, batch.records(tp));
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
     * Waits until the subscription view holds everything the topic held at start: against a
     * half-loaded view, a first attempt would skip subscriptions not yet seen and commit past them,
     * and a retry would be dead-lettered as {@code endpoint-deleted} by mistake.
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
            log.info("Waiting for the subscription catalog to load before consuming {}", topics);
        }
        return false;
    }

    /**
     * Hands one partition's records to the intake in offset order, up to the first one not yet
     * due; the partition then waits for that one. Records behind it wait too, even one due sooner
     * (a Retry-After push can put a later due time ahead of it): late, never early.
     */
    private void take(TopicPartition tp, List<ConsumerRecord<String, byte[]>> records) {
        for (ConsumerRecord<String, byte[]> r : records) {
            Intake.Taken taken = intake.take(r);
            if (!taken.isStarted()) {
                consumer.seek(tp, r.offset());
                consumer.pause(List.of(tp));
                gate.hold(tp, taken.dueAt());
                return;
            }
            OffsetTracker.Pending p = committer.track(r);
            taken.outcome().whenComplete((v, e) -> {
                if (e == null) {
                    p.complete();
                }
            });
        }
    }

    /**
     * Makes the paused set what it should be: a partition is paused while its timer runs, and every
     * partition is while too much is in flight or while draining. Recomputed each loop from our
     * own state, so whatever a rebalance did to Kafka's pause flags, no partition stays paused
     * without a reason (a partition paused forever after a rebalance is a classic retry-topic bug).
     */
    private void applyPauses() {
        Set<TopicPartition> assigned = consumer.assignment();
        int inFlight = meters.inFlight();
        boolean limit = inFlight >= maxInFlight;
        if (limit != overLimit) {
            overLimit = limit;
            log.debug("{} fetching: {} in flight, the limit is {} (WEBHOOKS_MAX_IN_FLIGHT)",
                    limit ? "Paused" : "Resumed", inFlight, maxInFlight);
        }
        boolean holdAll = draining || limit;
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition tp : assigned) {
            boolean hold = holdAll || gate.isHeld(tp);
            if (hold && !paused.contains(tp)) {
                pause.add(tp);
            } else if (!hold && paused.contains(tp)) {
                resume.add(tp);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
        meters.waitingPartitions(gate.size());
    }

    /** Up to {@link #MAX_POLL_MS}, less when a timer is due sooner, so a resume is never put off. */
    private Duration pollTimeout() {
        long untilDue = gate.nextDueAt() - clock.millis();
        return Duration.ofMillis(Math.max(1, Math.min(MAX_POLL_MS, untilDue)));
    }

    /** Stops fetching, waits a bounded time for work in flight, and commits what completed. */
    private void drain() {
        draining = true;
        consumer.pause(consumer.assignment());
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (meters.inFlight() > 0 && System.nanoTime() < deadline) {
            // Polling paused partitions fetches nothing but keeps the group membership and commits going.
            committer.commitDue();
            consumer.poll(Duration.ofMillis(50));
        }
        if (meters.inFlight() > 0) {
            log.warn("Closing {} with {} deliveries still in flight after {}; they will be attempted again (same"
                    + " webhook-id) by the next owner of their partitions", component, meters.inFlight(), drainTimeout);
        }
        committer.commitAll();
    }

    /** Healthy: consuming, polling recently and connected to the cluster. */
    public boolean healthy() {
        OffsetCommitter c = committer;
        return running && !failed && c != null && c.connected() && System.nanoTime() - lastPollNanos < STALE_POLL_NANOS;
    }

    /** Asks the loop to drain and stop, and waits for it (at most the drain timeout plus a margin). */
    public void stop() {
        running = false;
        try {
            if (!stopped.await(drainTimeout.toMillis() + 15_000, TimeUnit.MILLISECONDS)) {
                log.warn("{} did not stop in time", component);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called on the poll thread, inside poll(). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Commit what is complete for the partitions leaving us; the rest is attempted again by
            // their new owner: at least once, under the same webhook-id. Their timers go with them:
            // the new owner reads the head record and sets its own.
            committer.revoked(partitions);
            gate.forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may already own them: committing now could overwrite its progress.
            gate.forget(partitions);
            committer.lost(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // A new partition starts unpaused: its head is read, and if not due, waited for.
            if (draining || overLimit) {
                consumer.pause(partitions);
            }
            committer.assigned(partitions);
        }
    }
}
