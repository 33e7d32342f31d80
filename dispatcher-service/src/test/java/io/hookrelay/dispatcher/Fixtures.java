package io.hookrelay.dispatcher;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** Builders and probes shared by the dispatcher tests. */
final class Fixtures {

    private Fixtures() {
    }

    /** A dispatcher configuration for tests: the local receiver is on 127.0.0.1, HTTP on any free port. */
    static PipelineConfig config(String bootstrap, String... overrides) {
        Map<String, String> env = new HashMap<>(KafkaTestClient.env(bootstrap,
                "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "DISPATCHER_HTTP_PORT", "0", "WEBHOOKS_PARTITIONS", "3",
                "WEBHOOKS_DATA_DIR", tempDataDir()));
        for (int i = 0; i + 1 < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return PipelineConfig.from(env);
    }

    /** A fresh directory per dispatcher, so concurrent test runs never share Streams state. */
    static String tempDataDir() {
        try {
            return java.nio.file.Files.createTempDirectory("hookrelay-dispatcher-test-").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A canonical event (contract §3) under construction. */
    static final class Event {
        private final ObjectNode json = Json.object();

        Event(String operatorId, String eventId) {
            json.put("event_id", eventId);
            json.put("event_type", "conversion.ftd");
            json.put("occurred_at", "2026-11-27T10:00:00Z");
            json.put("operator_id", operatorId);
            json.put("brand_id", "b1");
            json.put("affiliate_id", "a1");
            json.put("player_ref", "p-" + eventId);
            json.put("is_test", false);
            json.put("transaction_id", "t-" + eventId);
            json.put("amount", "10.00");
            json.put("currency", "EUR");
        }

        Event type(String eventType) {
            json.put("event_type", eventType);
            return this;
        }

        Event brand(String brandId) {
            json.put("brand_id", brandId);
            return this;
        }

        Event affiliate(String affiliateId) {
            json.put("affiliate_id", affiliateId);
            return this;
        }

        ObjectNode json() {
            return json;
        }
    }

    static Event event(String operatorId, String eventId) {
        return new Event(operatorId, eventId);
    }

    static Subscription subscription(String operatorId, String url, List<String> eventTypes) {
        return subscription(operatorId, url, eventTypes, Subscription.Filter.NONE);
    }

    static Subscription subscription(String operatorId, String url, List<String> eventTypes, Subscription.Filter filter) {
        Instant created = Instant.parse("2026-11-01T00:00:00Z");
        return Subscription.builder(Secrets.newSubscriptionId(), operatorId, url).eventTypes(eventTypes).filter(filter)
                .description("test").enabled(true).secret(Secrets.newSecret()).createdAt(created).updatedAt(created)
                .build();
    }

    /** Writes a subscription change straight to the compacted topic, as the ingest API would; null deletes. */
    static void putSubscription(KafkaTestClient client, String id, Subscription s) {
        client.send(Topics.SUBSCRIPTIONS, id, s == null ? null : Json.bytes(s));
    }

    /** Produces an event to webhooks.accepted, keyed by its ordering key, and waits for the ack. */
    static RecordMetadata accept(KafkaTestClient client, ObjectNode event) {
        try {
            return client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, event.get("player_ref").asText(),
                    Json.bytes(event))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Producing to " + Topics.ACCEPTED + " failed", e);
        }
    }

    static RecordMetadata acceptRaw(KafkaTestClient client, byte[] value) {
        try {
            return client.producer().send(new ProducerRecord<>(Topics.ACCEPTED, "raw", value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Producing to " + Topics.ACCEPTED + " failed", e);
        }
    }

    /**
     * Waits until the dispatcher group has committed past {@code record}: then every delivery of
     * that event has started and its outcome is durable, so nothing more will come of it.
     */
    static void awaitDispatched(Admin admin, RecordMetadata record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            OffsetAndMetadata om = committed(admin).get(tp);
            return om != null && om.offset() > record.offset();
        });
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin)
            throws InterruptedException, ExecutionException {
        return admin.listConsumerGroupOffsets(DispatcherService.GROUP_ID).partitionsToOffsetAndMetadata().get();
    }

    /**
     * Event ids of the deliveries waiting on the first retry tier. A first attempt that failed (a
     * receiver closing a connection under load, a lease timeout) is not lost: it is durable there,
     * under the same webhook-id, for the retry-service, which these tests do not run.
     */
    static java.util.Set<String> retriedEventIds(io.hookrelay.testing.KafkaTestClient client, PipelineConfig config) {
        String topic = config.get(PipelineConfig.RETRY_SCHEDULE).topicBefore(2);
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (var r : client.readUntil(topic, l -> false, java.time.Duration.ofMillis(1500))) {
            ids.add(io.hookrelay.delivery.Delivery.fromJson(r.value()).eventId());
        }
        return ids;
    }
}
