package io.hookrelay.delivery;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;

/**
 * One delivery attempt as written to {@code webhooks.attempts} (key: webhook id), success or not.
 * Wire contract: the status stores and the delivery log read these JSON names; every field is
 * always present (null when it does not apply), so the shape is the same on every record, except
 * {@code empty_macros} (postback attempts only) and {@code event_position} (when known), which are
 * left out rather than null so that older records and readers keep their shape.
 *
 * @param attemptedAt epoch ms when the attempt started
 * @param dueAt epoch ms when the attempt was due (for attempt 1, when the dispatcher took the event up)
 * @param latenessMs attemptedAt - dueAt, never below 0: how late the pipeline was, not the subscriber
 * @param status HTTP status, 0 when there was no answer
 * @param latencyMs how long the subscriber took to answer (ms)
 * @param error short failure description, null when delivered
 * @param responseExcerpt at most the first KiB of the answer's body
 * @param nextDueAt epoch ms of the next attempt when the outcome is {@code retrying}, else null
 * @param deadReason the dead-letter reason when the outcome is {@code dead}, else null
 * @param endpoint {@code scheme://host[:port]} of the subscription URL; never its path or query,
 *                 which can hold the subscriber's own tokens
 * @param emptyMacros for a postback, the macros rendered empty because the event lacked their field
 *                    (an empty list when none was); absent for JSON deliveries and on records written
 *                    before postbacks existed: left out rather than null
 * @param eventPosition the {@code webhooks.accepted} record of the event, which the delivery log keeps
 *                      for resend and recover; left out when the delivery did not know it (written
 *                      before positions were kept)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"webhook_id", "subscription_id", "operator_id", "event_id", "event_type", "attempt",
        "attempted_at", "due_at", "lateness_ms", "status", "latency_ms", "error", "response_excerpt", "outcome",
        "next_due_at", "dead_reason", "endpoint", "empty_macros", "event_position"})
public record AttemptRecord(
        @JsonProperty("webhook_id") String webhookId,
        @JsonProperty("subscription_id") String subscriptionId,
        @JsonProperty("operator_id") String operatorId,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("event_type") String eventType,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("attempted_at") long attemptedAt,
        @JsonProperty("due_at") long dueAt,
        @JsonProperty("lateness_ms") long latenessMs,
        @JsonProperty("status") int status,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("error") String error,
        @JsonProperty("response_excerpt") String responseExcerpt,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("next_due_at") Long nextDueAt,
        @JsonProperty("dead_reason") String deadReason,
        @JsonProperty("endpoint") String endpoint,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("empty_macros") List<String> emptyMacros,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("event_position") EventPosition eventPosition) {

    public AttemptRecord {
        emptyMacros = emptyMacros == null ? null : List.copyOf(emptyMacros);
    }

    /** A record of a JSON-mode attempt, without {@code empty_macros} nor {@code event_position}. */
    public AttemptRecord(String webhookId, String subscriptionId, String operatorId, String eventId, String eventType,
                         int attempt, long attemptedAt, long dueAt, long latenessMs, int status, long latencyMs,
                         String error, String responseExcerpt, Outcome outcome, Long nextDueAt, String deadReason,
                         String endpoint) {
        this(webhookId, subscriptionId, operatorId, eventId, eventType, attempt, attemptedAt, dueAt, latenessMs, status,
                latencyMs, error, responseExcerpt, outcome, nextDueAt, deadReason, endpoint, null, null);
    }

    /** What the pipeline does after the attempt. */
    public enum Outcome {
        DELIVERED("delivered"), RETRYING("retrying"), DEAD("dead");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }
    }

    static AttemptRecord of(Delivery d, String url, AttemptResult r, Outcome outcome, Long nextDueAt,
                            DeadReason deadReason) {
        return new AttemptRecord(d.webhookId(), d.subscriptionId(), d.operatorId(), d.eventId(), d.eventType(),
                d.attempt(), r.attemptedAt(), d.dueAt(), Math.max(0L, r.attemptedAt() - d.dueAt()), r.status(),
                r.latencyMs(), r.error(), r.responseExcerpt(), outcome, nextDueAt,
                deadReason == null ? null : deadReason.wire(), WebhookSender.endpointOf(url), r.emptyMacros(),
                d.eventPosition());
    }

    public byte[] toJson() {
        return Json.bytes(this);
    }

    /** Reads a {@code webhooks.attempts} value; IOException when it is not one. */
    public static AttemptRecord fromJson(byte[] bytes) throws IOException {
        return Json.MAPPER.readValue(bytes, AttemptRecord.class);
    }
}
