package io.hookrelay.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.kafka.AcknowledgedSends;
import io.hookrelay.kafka.KeyPartitions;
import io.hookrelay.logging.LogLine;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the outcome of an attempt durable in Kafka, which is what lets the caller commit the
 * input: the attempt record on {@code webhooks.attempts}; after a retriable failure, the delivery
 * for the next attempt on a delay topic, or on {@code webhooks.dlq} ({@code exhausted}) when the
 * schedule has no attempt left; after 410 Gone, the delivery on {@code webhooks.dlq}
 * ({@code gone}) and the subscription written disabled.
 *
 * <p>The next attempt is due after the schedule's delay, or at the subscriber's Retry-After when
 * that is later, capped at the schedule's longest delay. It goes to the delay topic of the longest
 * scheduled delay that does not exceed the wait: normally the scheduled one, {@code
 * schedule.topicBefore(attempt + 1)}; a Retry-After push can move it to a longer tier, so a
 * delivery that must wait an hour never sits at the head of the 5-second topic.
 *
 * <p>A delivery whose subscription is at one of its limits ({@link SubscriptionLimiter}) is parked
 * rather than attempted: written as it is, same attempt number, to the shortest delay topic with a
 * new due time, and nothing else (no attempt was made, so no attempt record). The shortest tier,
 * whatever tier the delivery came from: a record waits behind those ahead of it in its partition,
 * and on a long tier that would be up to the tier's delay.
 */
public final class DeliveryOutcomeWriter {

    private static final Logger log = LoggerFactory.getLogger(DeliveryOutcomeWriter.class);
    static final String GONE_REASON = "endpoint answered 410 Gone";

    private final Producer<String, byte[]> producer;
    private final SubscriptionCatalog catalog;
    private final SubscriptionPublisher subscriptions;
    private final RetrySchedule schedule;
    private final Clock clock;
    private volatile int attemptPartitions;

    /** @param producer a durable producer (idempotent, acks=all), shared with the caller if it likes */
    public DeliveryOutcomeWriter(Producer<String, byte[]> producer, SubscriptionCatalog catalog, RetrySchedule schedule,
                                 Clock clock) {
        this.producer = producer;
        this.catalog = catalog;
        this.subscriptions = new SubscriptionPublisher(producer, catalog);
        this.schedule = schedule;
        this.clock = clock;
    }

    /**
     * Writes everything that follows from {@code result}. The future completes, with the attempt
     * record written, once Kafka has acknowledged every write, or fails with the first write's error.
     */
    public CompletableFuture<AttemptRecord> write(Delivery d, Subscription s, AttemptResult result) {
        long firstAttemptAt = d.firstAttemptAt() > 0 ? d.firstAttemptAt() : result.attemptedAt();
        List<CompletableFuture<?>> acks = new ArrayList<>(3);
        AttemptRecord record;
        switch (result.verdict()) {
            case DELIVERED -> record = AttemptRecord.of(d, s.calledUrl(), result, Outcome.DELIVERED, null, null);
            case PERMANENT -> {
                DeadReason reason = result.deadReason() == null ? DeadReason.EXHAUSTED : result.deadReason();
                record = AttemptRecord.of(d, s.calledUrl(), result, Outcome.DEAD, null, reason);
                acks.add(AcknowledgedSends.send(producer, d.withFirstAttemptAt(firstAttemptAt)
                        .toDeadLetterRecord(result.status(), result.error(), reason)));
                if (reason == DeadReason.GONE) {
                    acks.add(disable(s));
                }
            }
            default -> {
                int next = d.attempt() + 1;
                if (next > schedule.maxAttempts()) {
                    record = AttemptRecord.of(d, s.calledUrl(), result, Outcome.DEAD, null, DeadReason.EXHAUSTED);
                    acks.add(AcknowledgedSends.send(producer, d.withFirstAttemptAt(firstAttemptAt)
                            .toDeadLetterRecord(result.status(), result.error(), DeadReason.EXHAUSTED)));
                } else {
                    long now = clock.millis();
                    long dueAt = nextDueAt(schedule, next, now, result.notBefore());
                    record = AttemptRecord.of(d, s.calledUrl(), result, Outcome.RETRYING, dueAt, null);
                    acks.add(AcknowledgedSends.send(producer, d.next(firstAttemptAt, dueAt)
                            .toRetryRecord(tierTopic(schedule, next, dueAt - now), result.status(), result.error())));
                }
            }
        }
        // Keyed by webhook id (contract §2), placed by subscription id: the status app then finds a
        // subscription's attempts, and its dead letters (keyed by subscription id), in one partition.
        acks.add(AcknowledgedSends.send(producer, new ProducerRecord<>(Topics.ATTEMPTS,
                attemptPartition(d.subscriptionId()), d.webhookId(), record.toJson())));
        AttemptRecord written = record;
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(v -> written);
    }

    /**
     * The partition of {@code webhooks.attempts} for a subscription's attempts; the topic's partition
     * count is read once. Null when it cannot be read yet (no metadata within the producer's
     * {@code max.block.ms}, the broker down at start): the record then takes the default partitioner,
     * and the status app moves a record it finds elsewhere, so this never costs an outcome.
     */
    private Integer attemptPartition(String subscriptionId) {
        int n = attemptPartitions;
        if (n == 0) {
            try {
                n = producer.partitionsFor(Topics.ATTEMPTS).size();
            } catch (KafkaException e) {
                return null;
            }
            if (n == 0) {
                return null;
            }
            attemptPartitions = n;
        }
        return KeyPartitions.of(subscriptionId, n);
    }

    /**
     * Dead-letters a delivery without an attempt (for example, its subscription was disabled or
     * deleted while it waited); completes when Kafka has acknowledged it.
     */
    public CompletableFuture<Void> deadLetter(Delivery d, int lastStatus, String lastError, DeadReason reason) {
        return AcknowledgedSends.send(producer, d.toDeadLetterRecord(lastStatus, lastError, reason)).thenApply(md -> null);
    }

    /**
     * Parks {@code d} without an attempt until {@code dueAt} (epoch ms) because its subscription was
     * at {@code limit}; completes when Kafka has acknowledged it.
     *
     * @param lastStatus HTTP status of the last attempt made, 0 for none
     * @param lastError the last attempt's error, null for none
     */
    public CompletableFuture<Void> park(Delivery d, long dueAt, int lastStatus, String lastError,
                                        SubscriptionLimiter.Limit limit) {
        return AcknowledgedSends.send(producer,
                d.withDueAt(dueAt).toParkedRecord(parkingTopic(), lastStatus, lastError, limit.wire()));
    }

    /** Where parked deliveries wait: the delay topic of the schedule's shortest delay. */
    private String parkingTopic() {
        return schedule.topics().get(0);
    }

    /**
     * Epoch ms of attempt {@code nextAttempt}: the scheduled delay after {@code now}, or the
     * subscriber's not-before time when later, but never beyond the schedule's longest delay.
     */
    static long nextDueAt(RetrySchedule schedule, int nextAttempt, long now, long notBefore) {
        long scheduled = now + schedule.delayBefore(nextAttempt).toMillis();
        long cap = now + schedule.longestDelay().toMillis();
        return Math.max(scheduled, Math.min(notBefore, cap));
    }

    /** The delay topic of the longest scheduled delay not above {@code waitMs}, at least the scheduled one. */
    static String tierTopic(RetrySchedule schedule, int nextAttempt, long waitMs) {
        Duration tier = schedule.delayBefore(nextAttempt);
        for (Duration d : schedule.delays()) {
            if (d.compareTo(tier) > 0 && d.toMillis() <= waitMs) {
                tier = d;
            }
        }
        return RetrySchedule.topicFor(tier);
    }

    private CompletableFuture<Void> disable(Subscription called) {
        // Disable what the catalog holds now, not the copy we called: never resurrect a deleted
        // subscription, and never disable a URL the owner has changed since the 410 came back.
        Optional<Subscription> current = catalog.get(called.id());
        if (current.isEmpty() || !current.get().enabled() || !Objects.equals(current.get().url(), called.url())) {
            return CompletableFuture.completedFuture(null);
        }
        log.warn("{}", LogLine.event("endpoint.disabled").with("subscription_id", called.id())
                .with("operator_id", called.operatorId()).with("endpoint", WebhookSender.endpointOf(called.calledUrl()))
                .with("reason", GONE_REASON));
        return subscriptions.put(current.get().withEnabled(false, GONE_REASON, clock.instant())).thenApply(x -> null);
    }

}
