package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

class DeliveryTest {

    private final Subscription sub = Fixtures.subscription("demo", "https://hooks.example.com/in");

    @Test
    void firstAttemptCarriesTheContractWebhookId() {
        Delivery d = Fixtures.delivery(sub, "e1");

        assertThat(d.webhookId()).isEqualTo(WebhookIds.of("demo", "e1", sub.id()));
        assertThat(d.attempt()).isEqualTo(1);
        assertThat(d.firstAttemptAt()).isZero();
        assertThat(d.eventType()).isEqualTo("conversion.ftd");
    }

    @Test
    void jsonUsesSnakeCaseNamesAndReadsBackEqual() throws Exception {
        Delivery d = Fixtures.delivery(sub, "e1").next(1000L, 6000L);

        JsonNode json = Json.tree(d.toJson());

        assertThat(iterable(json.fieldNames())).containsExactly("webhook_id", "subscription_id", "operator_id", "event_id",
                "event_type", "attempt", "first_attempt_at", "due_at", "event");
        assertThat(json.get("attempt").asInt()).isEqualTo(2);
        assertThat(json.get("event").get("amount").asText()).isEqualTo("10.00");
        assertThat(Delivery.fromJson(d.toJson())).isEqualTo(d);
    }

    @Test
    void retryRecordCarriesEveryContractHeader() {
        Delivery d = Fixtures.delivery(sub, "e1").next(1000L, 6000L);

        ProducerRecord<String, byte[]> r = d.toRetryRecord("webhooks.retry.5s", 500, "HTTP 500");

        assertThat(r.topic()).isEqualTo("webhooks.retry.5s");
        assertThat(r.key()).isEqualTo(sub.id());
        assertThat(headers(r)).containsExactly(
                Map.entry("webhook-id", d.webhookId()),
                Map.entry("webhooks.subscription-id", sub.id()),
                Map.entry("webhooks.event-id", "e1"),
                Map.entry("webhooks.event-type", "conversion.ftd"),
                Map.entry("webhooks.attempt", "2"),
                Map.entry("webhooks.due-at", "6000"),
                Map.entry("webhooks.first-attempt-at", "1000"),
                Map.entry("webhooks.last-status", "500"),
                Map.entry("webhooks.last-error", "HTTP 500"));
    }

    @Test
    void deadLetterRecordAddsTheDeadReason() {
        ProducerRecord<String, byte[]> r = Fixtures.delivery(sub, "e1").toDeadLetterRecord(410, "gone", DeadReason.GONE);

        assertThat(r.topic()).isEqualTo("webhooks.dlq");
        assertThat(headers(r)).containsEntry("webhooks.dead-reason", "gone").containsEntry("webhooks.last-status", "410");
    }

    @Test
    void unreadableBytesNameTheRecordAndTheProblem() {
        ConsumerRecord<String, byte[]> bad = new ConsumerRecord<>("webhooks.retry.5s", 3, 17L, "sub_x",
                "{not json".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> Delivery.read(bad))
                .isInstanceOf(InvalidDeliveryException.class)
                .hasMessageStartingWith("Record webhooks.retry.5s-3@17 (key sub_x): the value is not a JSON delivery")
                .hasCauseInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
    }

    @Test
    void jsonWithoutTheIdsIsNotADelivery() {
        assertThatThrownBy(() -> Delivery.fromJson("{\"attempt\": 2}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidDeliveryException.class)
                .hasMessage("the JSON delivery has no webhook_id");
        assertThatThrownBy(() -> Delivery.fromJson(null))
                .isInstanceOf(InvalidDeliveryException.class)
                .hasMessageContaining("tombstone");
    }

    @Test
    void toStringShowsIdsButNotTheEvent() {
        assertThat(Fixtures.delivery(sub, "e1").toString()).contains("e1").doesNotContain("player_ref", "p1\"");
    }

    private static Map<String, String> headers(ProducerRecord<String, byte[]> r) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
        return () -> it;
    }
}
