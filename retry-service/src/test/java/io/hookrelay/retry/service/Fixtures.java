package io.hookrelay.retry.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver.Received;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Builders and probes shared by the retry-service tests. */
final class Fixtures {

    static final String OPERATOR = "op-retry";
    /** Where the waiting deliveries' event notionally is: every retry and dead letter must carry it on. */
    static final EventPosition POSITION = new EventPosition(Topics.ACCEPTED, 2, 1234);

    private Fixtures() {
    }

    /** The environment of a retry-service for tests: the local receiver is on 127.0.0.1, HTTP on any free port. */
    static Map<String, String> env(String bootstrap, String schedule, String... overrides) {
        Map<String, String> env = new HashMap<>(KafkaTestClient.env(bootstrap,
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "RETRY_HTTP_PORT", "0", "WEBHOOKS_PARTITIONS", "3",
                "WEBHOOKS_RETRY_SCHEDULE", schedule));
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return env;
    }

    static PipelineConfig config(String bootstrap, String schedule, String... overrides) {
        return PipelineConfig.from(env(bootstrap, schedule, overrides));
    }

    /** A canonical conversion.ftd event (contract §3). */
    static ObjectNode event(String eventId) {
        ObjectNode json = Json.object();
        json.put("event_id", eventId);
        json.put("event_type", "conversion.ftd");
        json.put("occurred_at", "2026-11-27T10:00:00Z");
        json.put("operator_id", OPERATOR);
        json.put("brand_id", "b1");
        json.put("affiliate_id", "a1");
        json.put("player_ref", "p-" + eventId);
        json.put("is_test", false);
        json.put("transaction_id", "t-" + eventId);
        json.put("amount", "10.00");
        json.put("currency", "EUR");
        return json;
    }

    static Subscription subscription(String url) {
        Instant created = Instant.parse("2026-11-01T00:00:00Z");
        return Subscription.builder(Secrets.newSubscriptionId(), OPERATOR, url).eventTypes("*")
                .filter(Subscription.Filter.NONE).description("test").enabled(true).secret(Secrets.newSecret())
                .createdAt(created).updatedAt(created).build();
    }

    /** Writes a subscription straight to the compacted topic, as the ingest API would. */
    static void putSubscription(KafkaTestClient client, Subscription s) {
        client.send(Topics.SUBSCRIPTIONS, s.id(), Json.bytes(s));
    }

    static void deleteSubscription(KafkaTestClient client, String id) {
        client.send(Topics.SUBSCRIPTIONS, id, null);
    }

    /**
     * A delivery of event {@code eventId} to {@code s} as it waits on a delay topic for attempt
     * {@code attempt}: the earlier attempts failed, the first one a while ago.
     */
    static Delivery waiting(Subscription s, String eventId, int attempt, long dueAt) {
        Delivery first = Delivery.first(event(eventId), s.id(), dueAt - 60_000);
        return new Delivery(first.webhookId(), first.subscriptionId(), first.operatorId(), first.eventId(),
                first.eventType(), attempt, dueAt - 60_000, dueAt, first.event(), POSITION);
    }

    /** Puts a waiting delivery on delay topic {@code topic} as the outcome writer would, and waits for the ack. */
    static RecordMetadata putOnTier(KafkaTestClient client, String topic, Delivery d) {
        try {
            return client.producer().send(d.toRetryRecord(topic, 500, "HTTP 500")).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Producing to " + topic + " failed", e);
        }
    }

    /** The attempt records on webhooks.attempts, read until {@code count} of them match {@code webhookIds}. */
    static List<AttemptRecord> attempts(KafkaTestClient client, java.util.Set<String> webhookIds, int count,
                                        Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = client.readUntil(Topics.ATTEMPTS,
                l -> l.stream().filter(r -> webhookIds.contains(r.key())).count() >= count, timeout);
        List<AttemptRecord> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            if (webhookIds.contains(r.key())) {
                try {
                    out.add(AttemptRecord.fromJson(r.value()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return out;
    }

    /** The dead letters of {@code keys} (subscription ids, or the original keys of unreadable records). */
    static List<ConsumerRecord<String, byte[]>> deadLetters(KafkaTestClient client, java.util.Set<String> keys,
                                                           int count, Duration timeout) {
        return client.readUntil(Topics.DLQ, l -> l.stream().filter(r -> keys.contains(r.key())).count() >= count,
                        timeout)
                .stream().filter(r -> keys.contains(r.key())).toList();
    }

    static String eventId(Received r) {
        try {
            return Json.tree(r.body()).get("data").get("event_id").asText();
        } catch (IOException e) {
            throw new AssertionError("Not JSON: " + r.bodyText(), e);
        }
    }

    static String tier(String delay) {
        return Topics.RETRY_PREFIX + delay;
    }
}
