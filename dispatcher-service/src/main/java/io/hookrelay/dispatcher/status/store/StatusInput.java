package io.hookrelay.dispatcher.status.store;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.EventPosition;
import org.apache.kafka.common.serialization.Serde;

/**
 * One thing the status stores learn about a delivery: an attempt (from {@code webhooks.attempts})
 * or a dead letter (from {@code webhooks.dlq}); exactly one of the two is set. It is the value of the
 * app's internal {@code by-subscription} repartition topic (key: subscription id), so its JSON names
 * are a contract between dispatcher versions during a rolling upgrade.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StatusInput(@JsonProperty("attempt") AttemptRecord attempt,
                   @JsonProperty("dead_letter") DeadLetter deadLetter) {

    static final Serde<StatusInput> SERDE = JsonSerde.of(StatusInput.class);

    /**
     * A delivery dead-lettered, with or without an attempt (a deleted or disabled subscription
     * dead-letters without one, so only {@code webhooks.dlq} tells).
     *
     * @param attempt the number of the last attempt made
     * @param deadAt  epoch ms the letter was written (its record timestamp)
     * @param reason  the {@code webhooks.dead-reason} header
     * @param eventPosition the event's {@code webhooks.accepted} record; null when the letter does not say
     */
    record DeadLetter(@JsonProperty("webhook_id") String webhookId,
                      @JsonProperty("subscription_id") String subscriptionId,
                      @JsonProperty("operator_id") String operatorId,
                      @JsonProperty("event_id") String eventId,
                      @JsonProperty("event_type") String eventType,
                      @JsonProperty("attempt") int attempt,
                      @JsonProperty("first_attempt_at") long firstAttemptAt,
                      @JsonProperty("dead_at") long deadAt,
                      @JsonProperty("reason") String reason,
                      @JsonProperty("last_status") int lastStatus,
                      @JsonProperty("last_error") String lastError,
                      @JsonInclude(JsonInclude.Include.NON_NULL)
                      @JsonProperty("event_position") EventPosition eventPosition) {
    }

    static StatusInput of(AttemptRecord attempt) {
        return new StatusInput(attempt, null);
    }

    static StatusInput of(DeadLetter deadLetter) {
        return new StatusInput(null, deadLetter);
    }

    @JsonIgnore
    String webhookId() {
        return attempt != null ? attempt.webhookId() : deadLetter.webhookId();
    }

    @JsonIgnore
    String operatorId() {
        return attempt != null ? attempt.operatorId() : deadLetter.operatorId();
    }
}
