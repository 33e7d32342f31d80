package io.hookrelay.dispatcher;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.delivery.SlotQueue;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.event.EventFields;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one accepted event into its first delivery attempts, one per matching subscription, all
 * started at once and none waited for. Each goes through the {@link SlotQueue}: attempted at once
 * when its subscription has a free slot, waiting in memory for one otherwise (at most
 * {@link SlotQueue#WAIT_BEFORE_PARK}), parked on the shortest delay topic, same attempt number, past
 * that or when over its rate limit, for the retry-service to attempt when due. So a slow endpoint
 * holds neither memory nor connections here beyond its limit. Reports back only when the outcome of
 * every attempt (or park) is durable in Kafka, which is when the event's offset may be committed.
 */
final class EventDispatcher {

    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
    /** Pause between tries to write an outcome Kafka refused; the record stays uncommitted meanwhile. */
    private static final long WRITE_RETRY_MS = 1000;

    private final SubscriptionCatalog catalog;
    private final WebhookSender sender;
    private final DeliveryOutcomeWriter writer;
    private final DispatcherMetrics metrics;
    private final Executor executor;
    private final Clock clock;
    private final SlotQueue<Delivery> slots;
    private volatile boolean closing;

    /**
     * @param executor runs everything that may block (resolving and leasing a connection, handing
     *                 records to the producer), so neither the poll thread nor an HTTP I/O thread does
     */
    EventDispatcher(SubscriptionCatalog catalog, WebhookSender sender, DeliveryOutcomeWriter writer,
                    SubscriptionLimiter limiter, DispatcherMetrics metrics, Executor executor, Clock clock) {
        this.catalog = catalog;
        this.sender = sender;
        this.writer = writer;
        this.metrics = metrics;
        this.executor = executor;
        this.clock = clock;
        this.slots = new SlotQueue<>(limiter, this::deliver, this::park, "dispatcher-slot-sweeper");
    }

    /**
     * Starts the deliveries of {@code record}. The future completes once every delivery's outcome
     * is acknowledged by Kafka; at once when no subscription matches or the record is not an event.
     * It fails only when the dispatcher is closing with an outcome unwritten: then the record must
     * not be committed.
     */
    CompletableFuture<Void> dispatch(ConsumerRecord<String, byte[]> record) {
        ObjectNode event = parse(record);
        if (event == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Subscription> matches = catalog.matching(event);
        if (matches.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long dueAt = clock.millis();
        EventPosition position = EventPosition.of(record);
        List<CompletableFuture<?>> outcomes = new ArrayList<>(matches.size());
        for (Subscription s : matches) {
            // In flight (against WEBHOOKS_MAX_IN_FLIGHT) from here, waiting included, until durable.
            metrics.started();
            CompletableFuture<Void> outcome = slots.submit(Delivery.first(event, position, s.id(), dueAt), s);
            outcome.whenComplete((v, e) -> metrics.finished());
            outcomes.add(outcome);
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new));
    }

    /** Attempts {@code d} now; the permit is given back as soon as the HTTP exchange has ended. */
    private CompletableFuture<AttemptRecord> deliver(Delivery d, Subscription s, Permit permit) {
        CompletableFuture<AttemptResult> attempt = CompletableFuture.supplyAsync(() -> sender.send(d, s), executor)
                .thenCompose(Function.identity());
        attempt.whenComplete((result, e) -> permit.release());
        CompletableFuture<AttemptRecord> outcome = attempt
                .thenComposeAsync(result -> closing
                        // Cut off by our own shutdown: write nothing and leave the record
                        // uncommitted; its next owner delivers it again, same webhook-id.
                        ? CompletableFuture.failedFuture(new CancellationException("the dispatcher is closing"))
                        : untilDurable(() -> writer.write(d, s, result), d), executor);
        // This runs on the producer's I/O thread, which completes the write: only count here.
        outcome.thenAccept(metrics::recorded);
        outcome.thenAccept(r -> {
            // Only what is logged gets a hop to the executor (logging may block; this is the
            // producer's I/O thread): a delivered attempt, the common case, logs nothing at INFO.
            if (r.outcome() == Outcome.DEAD || log.isDebugEnabled()) {
                executor.execute(() -> logOutcome(r));
            }
        });
        return outcome;
    }

    /**
     * Parks {@code d} on the shortest delay topic, same attempt, due when the limit that refused it
     * allows another try: no attempt, no attempt record.
     */
    private CompletableFuture<Void> park(Delivery d, Subscription s, Refusal refusal) {
        long dueAt = refusal.dueAt(clock.millis());
        // On the executor: handing a record to the producer can block, and this may be the poll thread.
        CompletableFuture<Void> parked = CompletableFuture.supplyAsync(() -> closing
                        ? CompletableFuture.<Void>failedFuture(new CancellationException("the dispatcher is closing"))
                        : untilDurable(() -> writer.park(d, dueAt, 0, null, refusal.limit()), d), executor)
                .thenCompose(Function.identity());
        parked.thenRun(() -> metrics.parked(refusal.limit()));
        return parked;
    }

    /**
     * Writes an outcome, and when Kafka refuses it (its producer gave up after its own retries),
     * tries again: the record stays uncommitted and in flight until the outcome is durable, which
     * also holds fetching back when Kafka is unwell.
     */
    private <T> CompletableFuture<T> untilDurable(Supplier<CompletableFuture<T>> write, Delivery d) {
        return write.get().exceptionallyCompose(e -> {
            if (closing) {
                return CompletableFuture.failedFuture(e);
            }
            log.warn("Could not write the outcome of delivery {} (subscription {}) to Kafka; trying again in {} ms",
                    d.webhookId(), d.subscriptionId(), WRITE_RETRY_MS, e);
            return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(WRITE_RETRY_MS, TimeUnit.MILLISECONDS, executor))
                    .thenCompose(x -> untilDurable(write, d));
        });
    }

    /**
     * From now on, writes no more outcomes and stops retrying those that failed, so closing can
     * finish; deliveries still waiting for a slot are dropped uncommitted (their next owner
     * delivers them, same webhook-id).
     */
    void closing() {
        closing = true;
        slots.close();
    }

    private ObjectNode parse(ConsumerRecord<String, byte[]> r) {
        String problem;
        if (r.value() == null) {
            problem = "it has no value";
        } else {
            try {
                JsonNode n = Json.tree(r.value());
                if (n instanceof ObjectNode o && hasText(o, EventFields.OPERATOR_ID) && hasText(o, EventFields.EVENT_ID)
                        && hasText(o, EventFields.EVENT_TYPE)) {
                    return o;
                }
                problem = "it is not a JSON object with operator_id, event_id and event_type";
            } catch (IOException e) {
                problem = "it is not JSON: " + e.getMessage().lines().findFirst().orElse("");
            }
        }
        // The ingest-service validated every accepted event, so this is a bug or a stray writer.
        // Retrying cannot make it readable; skip it, count it, and say where it is.
        metrics.unreadable();
        log.error("{}", LogLine.event("input.unreadable").with("topic", r.topic()).with("partition", r.partition())
                .with("offset", r.offset()).with("error", problem + "; skipped"));
        return null;
    }

    private static boolean hasText(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n != null && n.isValueNode() && !n.isNull() && !n.asText().isEmpty();
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
                    .with("endpoint", r.endpoint()).with("error", r.error()));
        }
    }
}
