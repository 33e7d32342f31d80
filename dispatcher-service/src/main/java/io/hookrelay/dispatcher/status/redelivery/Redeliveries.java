package io.hookrelay.dispatcher.status.redelivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.event.EventFields;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.kafka.AcknowledgedSends;
import io.hookrelay.logging.LogLine;
import io.hookrelay.retry.RetrySchedule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends deliveries of the log again (resend, recover): reads each one's event back from
 * {@code webhooks.accepted} at the position the log kept, and writes the delivery to the first
 * retry tier as a redrive does: attempt {@value RetrySchedule#FIRST_RETRY}, due at once, with its
 * {@code webhook-id}, event and first-attempt time unchanged. The retry-service then attempts it
 * within its subscription's limits and, if it fails, takes it through the rest of the schedule.
 *
 * <p>Nothing is written until every event has been read, and the call returns only once Kafka has
 * acknowledged every write. A delivery whose event cannot be read back is skipped and counted by
 * reason, never sent with a guessed body. Large recovers run on one background thread, one after
 * another, so two of them never compete for the producer's buffer.
 *
 * <p>Meters: {@code hookrelay_redeliveries_total{request}} (deliveries written, {@code resend} or
 * {@code recover}), {@code hookrelay_redeliveries_skipped_total{reason}} and
 * {@code hookrelay_redelivery_failures_total{request}} (calls that failed on Kafka, background ones
 * included: the one place a failed background recover shows besides its log line).
 */
public final class Redeliveries implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Redeliveries.class);

    /** Up to this many deliveries a recover writes before answering; more go to the background. */
    static final int INLINE_LIMIT = 1000;
    /** A safety net only: the producer's own delivery timeout fails an unacknowledged send first. */
    private static final Duration ACK_TIMEOUT = Duration.ofMinutes(2);
    /** Reads and writes in slices, so a large recover holds a slice of events in memory, not all. */
    private static final int SLICE = 2000;

    /**
     * Why a delivery was not sent again, or its body cannot be shown. Wire contract: the keys of the
     * answers' {@code skipped}, and the body API's error codes.
     */
    enum Skip {
        /** The log has no position for its event (the delivery predates positions). */
        EVENT_POSITION_UNKNOWN(ErrorCodes.EVENT_POSITION_UNKNOWN),
        /** Kafka's retention on {@code webhooks.accepted} has deleted the event. */
        EVENT_EXPIRED(ErrorCodes.EVENT_EXPIRED),
        /** The position holds no event, or another one (the topic was recreated). */
        EVENT_MISSING(ErrorCodes.EVENT_MISSING);

        final String wire;

        Skip(String wire) {
            this.wire = wire;
        }
    }

    /** What asked for a redelivery. Wire values: the {@code request} label of the meters. */
    enum Request {
        RESEND, RECOVER;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What one redelivery did: the deliveries written (acknowledged by Kafka) and those skipped, by reason. */
    record Outcome(List<DeliveryStatus> queued, Map<Skip, Integer> skipped) {

        Map<String, Integer> skippedView() {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (Skip s : Skip.values()) {
                m.put(s.wire, skipped.getOrDefault(s, 0));
            }
            return m;
        }

        int skippedTotal() {
            return skipped.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final AcceptedEvents events;
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Clock clock;
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "status-recover");
        t.setDaemon(true);
        return t;
    });

    private final MeterRegistry meters;

    /**
     * @param producer a durable producer (acks=all, idempotent), shared with the dispatcher
     * @param meters   the dispatcher's registry
     */
    public Redeliveries(AcceptedEvents events, Producer<String, byte[]> producer, RetrySchedule schedule, Clock clock,
                 MeterRegistry meters) {
        this.events = events;
        this.producer = producer;
        this.topic = schedule.topicBefore(RetrySchedule.FIRST_RETRY);
        this.clock = clock;
        this.meters = meters;
        for (Request r : Request.values()) {
            written(r).increment(0);
            failures(r).increment(0);
        }
        for (Skip s : Skip.values()) {
            skipped(s).increment(0);
        }
    }

    private Counter written(Request r) {
        return Counter.builder("hookrelay.redeliveries").tag("request", r.wire())
                .description("Deliveries written to the first retry tier again by a resend or a recover")
                .register(meters);
    }

    private Counter skipped(Skip s) {
        return Counter.builder("hookrelay.redeliveries.skipped").tag("reason", s.wire)
                .description("Deliveries a resend or recover could not send again, by why")
                .register(meters);
    }

    private Counter failures(Request r) {
        return Counter.builder("hookrelay.redelivery.failures").tag("request", r.wire())
                .description("Resend or recover calls that failed on Kafka (repeating them is safe)")
                .register(meters);
    }

    /** The delay topic redeliveries are written to. */
    String topic() {
        return topic;
    }

    /**
     * Sends {@code targets} again and waits until Kafka has acknowledged every write.
     *
     * @throws KafkaUnavailable when events cannot be read or a write is not acknowledged (the others
     *                          may have been: repeating the call is safe for receivers)
     */
    Outcome redeliver(Request request, List<DeliveryStatus> targets) {
        List<DeliveryStatus> queued = new ArrayList<>();
        Map<Skip, Integer> skipped = new LinkedHashMap<>();
        try {
            for (int from = 0; from < targets.size(); from += SLICE) {
                slice(targets.subList(from, Math.min(targets.size(), from + SLICE)), queued, skipped);
            }
        } catch (RuntimeException e) {
            failures(request).increment();
            throw e;
        } finally {
            written(request).increment(queued.size());
            skipped.forEach((s, n) -> skipped(s).increment(n));
        }
        return new Outcome(queued, skipped);
    }

    /**
     * {@link #redeliver} on the background thread, after any earlier one; the outcome is logged.
     *
     * @param what names the request in the log lines, e.g. {@code recover of sub_x since ...}
     */
    void redeliverLater(Request request, String what, List<DeliveryStatus> targets) {
        background.execute(() -> {
            try {
                Outcome o = redeliver(request, targets);
                log.info("{}", LogLine.event("redelivery.finished").with("request", what).with("queued", o.queued().size())
                        .with("skipped", o.skippedView()).with("topic", topic));
            } catch (RuntimeException e) {
                log.error("{}", LogLine.event("redelivery.failed").with("request", what).with("deliveries", targets.size())
                        .with("error", e.getMessage() + "; repeat the request: receivers deduplicate on webhook-id"));
            }
        });
    }

    private void slice(List<DeliveryStatus> targets, List<DeliveryStatus> queued, Map<Skip, Integer> skipped) {
        List<EventPosition> positions = new ArrayList<>();
        for (DeliveryStatus d : targets) {
            if (d.eventPosition() != null) {
                positions.add(d.eventPosition());
            }
        }
        AcceptedEvents.Found found = events.read(positions);
        long now = clock.millis();
        List<DeliveryStatus> toSend = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (DeliveryStatus d : targets) {
            Skip skip = unreadable(d, found);
            if (skip != null) {
                skipped.merge(skip, 1, Integer::sum);
                continue;
            }
            Delivery again = again(d, found.events().get(d.eventPosition()), now);
            DeliveryStatus.Attempt last = d.attempts().isEmpty() ? null : d.attempts().get(d.attempts().size() - 1);
            toSend.add(d);
            records.add(again.toRetryRecord(topic, last == null ? 0 : last.status(), last == null ? null : last.error()));
        }
        AcknowledgedSends.Result sent;
        try {
            sent = AcknowledgedSends.sendAll(producer, records, ACK_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailable("Interrupted while waiting for Kafka to acknowledge the redeliveries", e);
        }
        for (int i = 0; i < toSend.size(); i++) {
            if (sent.acknowledged()[i]) {
                queued.add(toSend.get(i));
            }
        }
        if (sent.firstFailure() != null) {
            throw new KafkaUnavailable("Kafka acknowledged " + queued.size() + " redeliveries on " + topic
                    + " and refused or did not acknowledge the rest (" + sent.firstFailure() + ")", null);
        }
    }

    /** Why {@code d}'s event is not in {@code found}, or null when it is there and is {@code d}'s event. */
    static Skip unreadable(DeliveryStatus d, AcceptedEvents.Found found) {
        if (d.eventPosition() == null) {
            return Skip.EVENT_POSITION_UNKNOWN;
        }
        if (found.expired().contains(d.eventPosition())) {
            return Skip.EVENT_EXPIRED;
        }
        ObjectNode event = found.events().get(d.eventPosition());
        return event == null || !isEventOf(event, d) ? Skip.EVENT_MISSING : null;
    }

    /**
     * {@code d} as a redelivery carries it: attempt {@value RetrySchedule#FIRST_RETRY} of {@code event},
     * due at {@code dueAt}, with its webhook id, first-attempt time and position unchanged.
     */
    static Delivery again(DeliveryStatus d, ObjectNode event, long dueAt) {
        return new Delivery(d.webhookId(), d.subscriptionId(), d.operatorId(), d.eventId(), d.eventType(),
                RetrySchedule.FIRST_RETRY, d.createdAt(), dueAt, event, d.eventPosition());
    }

    /** The event read back is the one the delivery was of: a guard against a recreated topic. */
    private static boolean isEventOf(ObjectNode event, DeliveryStatus d) {
        return d.eventId().equals(event.path(EventFields.EVENT_ID).asText(null))
                && d.operatorId().equals(event.path(EventFields.OPERATOR_ID).asText(null));
    }

    @Override
    public void close() {
        background.shutdownNow();
    }
}
