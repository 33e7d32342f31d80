package io.hookrelay.retry.service;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.SlotQueue;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.logging.LogLine;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does what a due delay-topic record calls for, and reports back only once its outcome is durable
 * in Kafka, which is when the record's offset may be committed. The subscription is looked up at
 * the moment of the attempt: deleted or disabled meanwhile, the delivery is dead-lettered without a
 * request; otherwise it is sent as it is now (current URL and secret, same {@code webhook-id}, a
 * fresh timestamp and signature) and the result handed to {@link DeliveryOutcomeWriter}. A
 * subscription at its {@code max_in_flight} has the delivery wait in memory for a slot
 * ({@link SlotQueue}, as the dispatcher's first attempts do); past the wait, or at once when over
 * its rate limit, the delivery is parked again on the shortest delay topic, same attempt number,
 * with the last status and error it carried, and no attempt record. Nothing here blocks the caller: work runs on the
 * executor and on the HTTP and producer I/O threads.
 */
final class RetryAttempts {

    private static final Logger log = LoggerFactory.getLogger(RetryAttempts.class);
    /** Pause between tries to write an outcome Kafka refused (ms); the record stays uncommitted meanwhile. */
    private static final long WRITE_RETRY_MS = 1000;

    private final SubscriptionCatalog catalog;
    private final WebhookSender sender;
    private final DeliveryOutcomeWriter writer;
    private final SlotQueue<Due> slots;
    private final Producer<String, byte[]> producer;
    private final RetryMetrics metrics;
    private final Executor executor;
    private final Clock clock;
    private volatile boolean closing;

    /**
     * @param producer the durable producer the writer also uses, for dead letters of unreadable records
     * @param executor runs everything that may block (resolving and leasing a connection, handing
     *                 records to the producer), so neither the poll thread nor an I/O thread does
     */
    RetryAttempts(SubscriptionCatalog catalog, WebhookSender sender, Producer<String, byte[]> producer,
                  RetrySchedule schedule, SubscriptionLimiter limiter, RetryMetrics metrics, Executor executor,
                  Clock clock) {
        this.catalog = catalog;
        this.sender = sender;
        this.producer = producer;
        this.writer = new DeliveryOutcomeWriter(producer, catalog, schedule, clock);
        this.slots = new SlotQueue<>(limiter, this::attemptHolding, this::park, "retry-slot-sweeper");
        this.metrics = metrics;
        this.executor = executor;
        this.clock = clock;
    }

    /**
     * Attempts a delivery whose due time has come. The future completes once its outcome is
     * acknowledged by Kafka; it fails only when the service is closing with the outcome unwritten,
     * and then the record must not be committed.
     */
    CompletableFuture<Void> attempt(ConsumerRecord<String, byte[]> record, Delivery d) {
        // On the calling (poll) thread: a lookup and a hand-over to the slot queue, whose attempt
        // and park each move to the executor themselves, as does a dead letter. Hopping here too
        // cost every retry a second executor task.
        return inFlight(() -> attemptNow(record, d));
    }

    /** Dead-letters a record that is not a readable delivery (reason {@code invalid}), its bytes as they were. */
    CompletableFuture<Void> deadLetterInvalid(ConsumerRecord<String, byte[]> r, String problem) {
        return inFlight(() -> untilDurable(() -> send(TierRecords.invalidLetter(r, problem))
                        .exceptionallyCompose(e -> unwrap(e) instanceof RecordTooLargeException
                                ? send(TierRecords.invalidLetterWithoutValue(r, problem))
                                : CompletableFuture.failedFuture(e)),
                "the dead letter of unreadable record " + r.topic() + "-" + r.partition() + "@" + r.offset())
                .thenRun(() -> {
                    metrics.deadLettered(DeadReason.INVALID);
                    log.info("{}", LogLine.event("delivery.dead_lettered").with("reason", DeadReason.INVALID.wire())
                            .with("topic", r.topic()).with("partition", r.partition()).with("offset", r.offset())
                            .with("error", problem));
                }));
    }

    private CompletableFuture<Void> attemptNow(ConsumerRecord<String, byte[]> record, Delivery d) {
        Optional<Subscription> current = catalog.get(d.subscriptionId());
        if (current.isEmpty()) {
            return deadLetterUnattempted(record, d, DeadReason.ENDPOINT_DELETED, "was deleted");
        }
        if (!current.get().enabled()) {
            return deadLetterUnattempted(record, d, DeadReason.ENDPOINT_DISABLED, "is disabled");
        }
        return slots.submit(new Due(record, d), current.get());
    }

    /** Attempts a due delivery holding a slot of its subscription; on the executor, as sending may block. */
    private CompletableFuture<Void> attemptHolding(Due due, Subscription s, Permit permit) {
        Delivery d = due.delivery();
        CompletableFuture<AttemptResult> attempt = CompletableFuture.supplyAsync(() -> sender.send(d, s), executor)
                .thenCompose(Function.identity());
        // Given back as soon as the HTTP exchange has ended.
        attempt.whenComplete((result, e) -> permit.release());
        CompletableFuture<AttemptRecord> written = attempt
                .thenComposeAsync(result -> closing
                        // Cut off by our own shutdown: write nothing and leave the record
                        // uncommitted; its next owner attempts it again, same webhook-id.
                        ? CompletableFuture.failedFuture(new CancellationException("the retry-service is closing"))
                        : untilDurable(() -> writer.write(d, s, result), "the outcome of delivery " + d.webhookId()),
                        executor);
        // Counting only: this runs on the producer's I/O thread, which completed the write.
        CompletableFuture<Void> done = written.thenAccept(metrics::attempted);
        written.thenAcceptAsync(RetryAttempts::logOutcome, executor);
        return done;
    }

    /** Parks a due delivery again, same attempt, until the limit that refused it allows another try. */
    private CompletableFuture<Void> park(Due due, Subscription s, Refusal refusal) {
        ConsumerRecord<String, byte[]> record = due.record();
        Delivery d = due.delivery();
        long dueAt = refusal.dueAt(clock.millis());
        int lastStatus = lastStatus(record);
        String lastError = header(record, WireHeaders.LAST_ERROR);
        // On the executor: handing a record to the producer can block, and this may be the sweeper.
        return CompletableFuture.supplyAsync(() -> untilDurable(
                                () -> writer.park(d, dueAt, lastStatus, lastError, refusal.limit()),
                                "the parked delivery " + d.webhookId()), executor)
                .thenCompose(Function.identity())
                .thenRun(() -> metrics.parked(refusal.limit()));
    }

    /**
     * Dead-letters a delivery whose subscription went away while it waited. The letter's attempt is
     * the last one made (contract: on the dead-letter topic, the number of the last attempt made),
     * and its last status and error are those the delay record carried.
     */
    private CompletableFuture<Void> deadLetterUnattempted(ConsumerRecord<String, byte[]> record, Delivery waiting,
                                                          DeadReason reason, String what) {
        Delivery d = waiting.again(Math.max(1, waiting.attempt() - 1), waiting.dueAt());
        int lastStatus = lastStatus(record);
        String lastError = header(record, WireHeaders.LAST_ERROR);
        // On the executor: handing a record to the producer can block, and this is the poll thread.
        return CompletableFuture.supplyAsync(() -> untilDurable(() -> writer.deadLetter(d, lastStatus, lastError, reason),
                        "the dead letter of delivery " + d.webhookId()), executor)
                .thenCompose(Function.identity())
                .thenRun(() -> {
                    metrics.deadLettered(reason);
                    log.info("{}", LogLine.event("delivery.dead_lettered").with("webhook_id", d.webhookId())
                            .with("subscription_id", d.subscriptionId()).with("operator_id", d.operatorId())
                            .with("event_id", d.eventId()).with("event_type", d.eventType())
                            .with("attempt", d.attempt()).with("reason", reason.wire())
                            .with("error", "not attempted: the subscription " + what)
                            .with("last_status", lastStatus).with("last_error", lastError));
                });
    }

    /** Counts the work in flight from start to durable outcome: the poll loop's backpressure reads it. */
    private CompletableFuture<Void> inFlight(Supplier<CompletableFuture<Void>> work) {
        metrics.started();
        CompletableFuture<Void> f;
        try {
            f = work.get();
        } catch (RuntimeException e) {
            // The executor refused the task: we are closing.
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> metrics.finished());
        return f;
    }

    /**
     * Writes, and when Kafka refuses (the producer gave up after its own retries), tries again: the
     * record stays uncommitted and in flight until its outcome is durable, which also holds fetching
     * back while Kafka is unwell.
     */
    private <T> CompletableFuture<T> untilDurable(Supplier<CompletableFuture<T>> write, String what) {
        return write.get().exceptionallyCompose(e -> {
            if (closing) {
                return CompletableFuture.failedFuture(e);
            }
            log.warn("Could not write {} to Kafka; trying again in {} ms", what, WRITE_RETRY_MS, e);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(WRITE_RETRY_MS, TimeUnit.MILLISECONDS, executor))
                    .thenCompose(x -> untilDurable(write, what));
        });
    }

    private CompletableFuture<Void> send(ProducerRecord<String, byte[]> r) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            producer.send(r, (md, e) -> {
                if (e != null) {
                    ack.completeExceptionally(e);
                } else {
                    ack.complete(null);
                }
            });
        } catch (RuntimeException e) {
            // send() itself throws when it cannot even buffer the record (max.block.ms, closed producer).
            ack.completeExceptionally(e);
        }
        return ack;
    }

    /** From now on, writes no more outcomes and stops retrying those that failed, so closing can finish. */
    void closing() {
        closing = true;
        slots.close();
    }

    /** A due delay-topic record and the delivery it holds. */
    private record Due(ConsumerRecord<String, byte[]> record, Delivery delivery) {
    }

    private static void logOutcome(AttemptRecord r) {
        // Every attempt is on webhooks.attempts; the log only calls out deliveries that ended dead,
        // so an outage at one subscriber does not flood it. The endpoint is scheme://host[:port]:
        // never a path or query, which can hold the subscriber's own tokens.
        if (r.outcome() == Outcome.DEAD) {
            log.info("{}", LogLine.event("delivery.dead_lettered").with("webhook_id", r.webhookId())
                    .with("subscription_id", r.subscriptionId()).with("operator_id", r.operatorId())
                    .with("event_id", r.eventId()).with("event_type", r.eventType()).with("attempt", r.attempt())
                    .with("reason", r.deadReason()).with("status", r.status()).with("endpoint", r.endpoint())
                    .with("error", r.error()));
        } else if (log.isDebugEnabled()) {
            log.debug("{}", LogLine.event("delivery.attempted").with("webhook_id", r.webhookId())
                    .with("subscription_id", r.subscriptionId()).with("attempt", r.attempt())
                    .with("outcome", r.outcome().wire()).with("status", r.status()).with("latency_ms", r.latencyMs())
                    .with("lateness_ms", r.latenessMs()).with("endpoint", r.endpoint()).with("error", r.error()));
        }
    }

    private static int lastStatus(ConsumerRecord<String, byte[]> r) {
        String v = header(r, WireHeaders.LAST_STATUS);
        try {
            return v == null ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }
}
