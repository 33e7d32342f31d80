package io.hookrelay.retry.service;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.InvalidDeliveryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One record of {@code webhooks.dlq} as operators and ops see it. The ids come from the record's
 * value (the delivery, authoritative) when it reads as one; a letter whose value does not read
 * ({@link #readable()} false, typically reason {@code invalid}) shows what its headers and key say,
 * has no operator, and can never be redriven.
 *
 * @param deadAt the record's timestamp: when the delivery was dead-lettered
 * @param reason the {@code webhooks.dead-reason} header as written, null when absent
 * @param lastStatus HTTP status of the last attempt (0: no response), null when the header is absent
 * @param attempt the number of the last attempt made, null when unknown
 * @param firstAttemptAt null when no attempt was made or it is unknown
 * @param delivery the value read as a delivery, null when it does not read
 * @param unreadable why the value does not read as a delivery, null when it does
 */
public record DeadLetter(int partition, long offset, Instant deadAt, String reason, Integer lastStatus,
                         String lastError, String webhookId, String subscriptionId, String operatorId, String eventId,
                         String eventType, Integer attempt, Instant firstAttemptAt, Delivery delivery,
                         String unreadable) {

    /** Reads a record of {@code webhooks.dlq}; never fails, whatever its bytes. */
    static DeadLetter of(ConsumerRecord<String, byte[]> r) {
        Instant deadAt = Instant.ofEpochMilli(r.timestamp());
        String reason = header(r, WireHeaders.DEAD_REASON);
        Integer lastStatus = parseInt(header(r, WireHeaders.LAST_STATUS));
        String lastError = header(r, WireHeaders.LAST_ERROR);
        try {
            Delivery d = Delivery.fromJson(r.value());
            return new DeadLetter(r.partition(), r.offset(), deadAt, reason, lastStatus, lastError, d.webhookId(),
                    d.subscriptionId(), d.operatorId(), d.eventId(), d.eventType(), d.attempt(),
                    epochMsOrNull(d.firstAttemptAt()), d, null);
        } catch (InvalidDeliveryException e) {
            String subscription = header(r, WireHeaders.SUBSCRIPTION_ID);
            Long firstAttempt = parseLong(header(r, WireHeaders.FIRST_ATTEMPT_AT));
            return new DeadLetter(r.partition(), r.offset(), deadAt, reason, lastStatus, lastError,
                    header(r, WireHeaders.WEBHOOK_ID), subscription != null ? subscription : r.key(), null,
                    header(r, WireHeaders.EVENT_ID), header(r, WireHeaders.EVENT_TYPE),
                    parseInt(header(r, WireHeaders.ATTEMPT)), firstAttempt == null ? null : epochMsOrNull(firstAttempt),
                    null, e.getMessage());
        }
    }

    /** True when the value reads as a delivery: the letter has an operator and can be redriven. */
    public boolean readable() {
        return delivery != null;
    }

    /** Where the letter is: {@code webhooks.dlq/<partition>/<offset>}. */
    public String position() {
        return Topics.DLQ + "/" + partition + "/" + offset;
    }

    /**
     * The letter as the operator API lists it. No event body: a list is for finding letters, and
     * the body can hold player data that has no place in an ops listing.
     */
    Map<String, Object> toApiJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("webhook_id", webhookId);
        m.put("subscription_id", subscriptionId);
        m.put("event_id", eventId);
        m.put("event_type", eventType);
        m.put("attempt", attempt);
        m.put("reason", reason);
        m.put("last_status", lastStatus);
        m.put("last_error", lastError);
        m.put("dead_at", deadAt);
        m.put("first_attempt_at", firstAttemptAt);
        m.put("position", position());
        return m;
    }

    @Override
    public String toString() {
        // No event body: it can hold player data, and ids are enough to follow a letter in logs.
        return "DeadLetter[" + position() + ", webhook_id=" + webhookId + ", subscription_id=" + subscriptionId
                + ", reason=" + reason + "]";
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Instant epochMsOrNull(long epochMs) {
        return epochMs <= 0 ? null : Instant.ofEpochMilli(epochMs);
    }

    private static Integer parseInt(String v) {
        try {
            return v == null ? null : Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long parseLong(String v) {
        try {
            return v == null ? null : Long.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
