package io.hookrelay.retry.service;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.InvalidDeliveryException;
import io.hookrelay.engine.AttemptRunner;
import io.hookrelay.engine.Due;
import io.hookrelay.engine.Intake;
import io.hookrelay.kafka.AcknowledgedSends;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the retry-service does with a delay-topic record, where a retry differs from a first
 * attempt: it is not touched before its due time; its subscription is looked up at that moment,
 * and deleted or disabled meanwhile, the delivery is dead-lettered without a request; otherwise it
 * is attempted as the subscription is now (current URL and secret, same {@code webhook-id}, a fresh
 * timestamp and signature), carrying the last status and error its record holds in case it is
 * parked again. A record that is not a readable delivery is dead-lettered as {@code invalid}, its
 * bytes as they were.
 */
final class RetryAttempts implements Intake {

    private static final Logger log = LoggerFactory.getLogger(RetryAttempts.class);

    private final SubscriptionCatalog catalog;
    private final AttemptRunner runner;
    private final DeliveryOutcomeWriter writer;
    private final Producer<String, byte[]> producer;
    private final RetryMetrics metrics;
    private final Clock clock;

    /** @param producer the durable producer the writer also uses, for dead letters of unreadable records */
    RetryAttempts(SubscriptionCatalog catalog, AttemptRunner runner, DeliveryOutcomeWriter writer,
                  Producer<String, byte[]> producer, RetryMetrics metrics, Clock clock) {
        this.catalog = catalog;
        this.runner = runner;
        this.writer = writer;
        this.producer = producer;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Taken take(ConsumerRecord<String, byte[]> record) {
        Delivery d;
        try {
            d = TierRecords.read(record);
        } catch (InvalidDeliveryException e) {
            return Taken.started(deadLetterInvalid(record, e.getMessage()));
        }
        if (clock.millis() < d.dueAt()) {
            return Taken.notBefore(d.dueAt());
        }
        Due due = new Due(d, lastStatus(record), header(record, WireHeaders.LAST_ERROR));
        Optional<Subscription> current = catalog.get(d.subscriptionId());
        if (current.isEmpty()) {
            return Taken.started(deadLetterUnattempted(due, DeadReason.ENDPOINT_DELETED, "was deleted"));
        }
        if (!current.get().enabled()) {
            return Taken.started(deadLetterUnattempted(due, DeadReason.ENDPOINT_DISABLED, "is disabled"));
        }
        return Taken.started(runner.submit(due, current.get()));
    }

    /** Dead-letters a record that is not a readable delivery (reason {@code invalid}), its bytes as they were. */
    private CompletableFuture<Void> deadLetterInvalid(ConsumerRecord<String, byte[]> r, String problem) {
        return runner.inFlight(() -> runner.writeDurably(() -> AcknowledgedSends.send(producer, TierRecords.invalidLetter(r, problem))
                        .exceptionallyCompose(e -> unwrap(e) instanceof RecordTooLargeException
                                ? AcknowledgedSends.send(producer, TierRecords.invalidLetterWithoutValue(r, problem))
                                : CompletableFuture.failedFuture(e)),
                "the dead letter of unreadable record " + r.topic() + "-" + r.partition() + "@" + r.offset())
                .thenRun(() -> {
                    metrics.deadLettered(DeadReason.INVALID);
                    log.info("{}", LogLine.event("delivery.dead_lettered").with("reason", DeadReason.INVALID.wire())
                            .with("topic", r.topic()).with("partition", r.partition()).with("offset", r.offset())
                            .with("error", problem));
                }));
    }

    /**
     * Dead-letters a delivery whose subscription went away while it waited. The letter's attempt is
     * the last one made (contract: on the dead-letter topic, the number of the last attempt made),
     * and its last status and error are those the delay record carried.
     */
    private CompletableFuture<Void> deadLetterUnattempted(Due waiting, DeadReason reason, String what) {
        Delivery w = waiting.delivery();
        Delivery d = w.again(Math.max(1, w.attempt() - 1), w.dueAt());
        int lastStatus = waiting.lastStatus();
        String lastError = waiting.lastError();
        return runner.inFlight(() -> runner.writeDurably(() -> writer.deadLetter(d, lastStatus, lastError, reason),
                        "the dead letter of delivery " + d.webhookId())
                .thenRun(() -> {
                    metrics.deadLettered(reason);
                    log.info("{}", LogLine.event("delivery.dead_lettered").with("webhook_id", d.webhookId())
                            .with("subscription_id", d.subscriptionId()).with("operator_id", d.operatorId())
                            .with("event_id", d.eventId()).with("event_type", d.eventType())
                            .with("attempt", d.attempt()).with("reason", reason.wire())
                            .with("error", "not attempted: the subscription " + what)
                            .with("last_status", lastStatus).with("last_error", lastError));
                }));
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
