package io.hookrelay.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.event.EventFields;
import io.hookrelay.signing.WebhookIds;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One event on its way to one subscription. Its JSON form is the value of retry and dead-letter
 * records ("JSON delivery", contract §2), keyed by subscription id, and carries everything the next
 * attempt needs, so the value alone is authoritative; the headers repeat the ids for ops tools.
 * Wire contract: the JSON names below are read by the retry-service and by redrive tooling.
 *
 * @param attempt the number of the attempt about to be made, 1 for the dispatcher's first attempt;
 *                on the dead-letter topic, the number of the last attempt made
 * @param firstAttemptAt epoch ms of attempt 1, 0 until it has been made
 * @param dueAt epoch ms before which attempt {@code attempt} must not be made
 * @param event the canonical event (contract §3), as accepted
 * @param eventPosition the {@code webhooks.accepted} record the event came from; null on deliveries
 *                      written before positions were kept (then resend and recover cannot read it
 *                      back), and left out of the JSON then
 */
@JsonPropertyOrder({"webhook_id", "subscription_id", "operator_id", "event_id", "event_type", "attempt",
        "first_attempt_at", "due_at", "event", "event_position"})
public record Delivery(
        @JsonProperty("webhook_id") String webhookId,
        @JsonProperty("subscription_id") String subscriptionId,
        @JsonProperty("operator_id") String operatorId,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("event_type") String eventType,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("first_attempt_at") long firstAttemptAt,
        @JsonProperty("due_at") long dueAt,
        @JsonProperty("event") ObjectNode event,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("event_position") EventPosition eventPosition) {

    /**
     * The first attempt of {@code event} to subscription {@code subscriptionId}, due at once.
     *
     * @throws IllegalArgumentException when the event lacks operator_id, event_id or event_type
     */
    public static Delivery first(ObjectNode event, EventPosition position, String subscriptionId, long dueAt) {
        String operatorId = required(event, EventFields.OPERATOR_ID);
        String eventId = required(event, EventFields.EVENT_ID);
        String eventType = required(event, EventFields.EVENT_TYPE);
        return new Delivery(WebhookIds.of(operatorId, eventId, subscriptionId), subscriptionId, operatorId, eventId,
                eventType, 1, 0L, dueAt, event, position);
    }

    /** {@link #first(ObjectNode, EventPosition, String, long)} of an event whose position is not known. */
    public static Delivery first(ObjectNode event, String subscriptionId, long dueAt) {
        return first(event, null, subscriptionId, dueAt);
    }

    /** The same delivery waiting for the next attempt. */
    public Delivery next(long firstAttemptAt, long nextDueAt) {
        return new Delivery(webhookId, subscriptionId, operatorId, eventId, eventType, attempt + 1, firstAttemptAt,
                nextDueAt, event, eventPosition);
    }

    /**
     * The same delivery at attempt {@code attempt}, due at {@code dueAt}, with its webhook id, event,
     * position and first-attempt time unchanged: one started again (a redrive), or a dead letter
     * naming the last attempt made.
     */
    public Delivery again(int attempt, long dueAt) {
        return new Delivery(webhookId, subscriptionId, operatorId, eventId, eventType, attempt, firstAttemptAt, dueAt,
                event, eventPosition);
    }

    /**
     * The same attempt, due at {@code dueAt} instead: a delivery parked at its subscription's limit,
     * or held to a later due header.
     */
    public Delivery withDueAt(long dueAt) {
        return new Delivery(webhookId, subscriptionId, operatorId, eventId, eventType, attempt, firstAttemptAt, dueAt,
                event, eventPosition);
    }

    /** The same delivery with its first-attempt time filled in, as the dead-letter topic keeps it. */
    public Delivery withFirstAttemptAt(long firstAttemptAt) {
        return new Delivery(webhookId, subscriptionId, operatorId, eventId, eventType, attempt, firstAttemptAt, dueAt,
                event, eventPosition);
    }

    /** The {@code occurred_at} of the event, or null when it has none. */
    public String occurredAt() {
        JsonNode n = event.get(EventFields.OCCURRED_AT);
        return n == null || n.isNull() ? null : n.asText();
    }

    public byte[] toJson() {
        return Json.bytes(this);
    }

    /**
     * Reads a delivery from the value of a retry or dead-letter record.
     *
     * @throws InvalidDeliveryException when the bytes are not JSON or lack a field the next attempt needs
     */
    public static Delivery fromJson(byte[] bytes) {
        if (bytes == null) {
            throw new InvalidDeliveryException("the value is empty (a tombstone), not a JSON delivery", null);
        }
        Delivery d;
        try {
            d = Json.MAPPER.readValue(bytes, Delivery.class);
        } catch (JsonProcessingException e) {
            throw new InvalidDeliveryException("the value is not a JSON delivery: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidDeliveryException("the value is not a JSON delivery: " + e.getMessage(), e);
        }
        String missing = d.webhookId == null ? "webhook_id"
                : d.subscriptionId == null ? "subscription_id"
                : d.operatorId == null ? "operator_id"
                : d.eventId == null ? "event_id"
                : d.eventType == null ? "event_type"
                : d.event == null ? "event" : null;
        if (missing != null) {
            throw new InvalidDeliveryException("the JSON delivery has no " + missing, null);
        }
        if (d.attempt < 1) {
            throw new InvalidDeliveryException("the JSON delivery has attempt " + d.attempt + "; attempts start at 1", null);
        }
        return d;
    }

    /**
     * Reads a delivery from a retry or dead-letter record.
     *
     * @throws InvalidDeliveryException naming the record (topic, partition, offset) and what is wrong
     */
    public static Delivery read(ConsumerRecord<String, byte[]> record) {
        try {
            return fromJson(record.value());
        } catch (InvalidDeliveryException e) {
            throw new InvalidDeliveryException("Record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " (key " + record.key() + "): " + e.getMessage(), e.getCause());
        }
    }

    /**
     * The contract's headers of a retry record (§2), every value a UTF-8 string.
     *
     * @param lastStatus HTTP status of the last attempt, 0 when there was no response
     * @param lastError short description of the last failure, null for none
     */
    public Headers headers(int lastStatus, String lastError) {
        RecordHeaders h = new RecordHeaders();
        add(h, WireHeaders.WEBHOOK_ID, webhookId);
        add(h, WireHeaders.SUBSCRIPTION_ID, subscriptionId);
        add(h, WireHeaders.EVENT_ID, eventId);
        add(h, WireHeaders.EVENT_TYPE, eventType);
        add(h, WireHeaders.ATTEMPT, Integer.toString(attempt));
        add(h, WireHeaders.DUE_AT, Long.toString(dueAt));
        add(h, WireHeaders.FIRST_ATTEMPT_AT, Long.toString(firstAttemptAt));
        add(h, WireHeaders.LAST_STATUS, Integer.toString(lastStatus));
        add(h, WireHeaders.LAST_ERROR, lastError == null ? "" : lastError);
        return h;
    }

    /** This delivery as a record of delay topic {@code topic}, keyed by subscription id. */
    public ProducerRecord<String, byte[]> toRetryRecord(String topic, int lastStatus, String lastError) {
        return new ProducerRecord<>(topic, null, subscriptionId, toJson(), headers(lastStatus, lastError));
    }

    /**
     * This delivery as a record of delay topic {@code topic}, parked without an attempt: the retry
     * headers plus {@code webhooks.park-reason}.
     */
    public ProducerRecord<String, byte[]> toParkedRecord(String topic, int lastStatus, String lastError,
                                                        String parkReason) {
        ProducerRecord<String, byte[]> r = toRetryRecord(topic, lastStatus, lastError);
        add(r.headers(), WireHeaders.PARK_REASON, parkReason);
        return r;
    }

    /** This delivery as a {@code webhooks.dlq} record, with the retry headers plus {@code webhooks.dead-reason}. */
    public ProducerRecord<String, byte[]> toDeadLetterRecord(int lastStatus, String lastError, DeadReason reason) {
        Headers h = headers(lastStatus, lastError);
        add(h, WireHeaders.DEAD_REASON, reason.wire());
        return new ProducerRecord<>(Topics.DLQ, null, subscriptionId, toJson(), h);
    }

    private static void add(Headers h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String required(JsonNode event, String field) {
        JsonNode n = event.get(field);
        if (n == null || n.isNull() || n.asText().isEmpty()) {
            throw new IllegalArgumentException("the event has no " + field);
        }
        return n.asText();
    }

    @Override
    public String toString() {
        // The event can carry player data; ids are enough to follow a delivery in logs.
        return "Delivery[webhook_id=" + webhookId + ", subscription_id=" + subscriptionId + ", event_id=" + eventId
                + ", attempt=" + attempt + "]";
    }
}
