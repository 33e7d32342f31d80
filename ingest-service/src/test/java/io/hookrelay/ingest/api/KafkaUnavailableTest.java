package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static io.hookrelay.ingest.api.ApiServer.OPERATOR_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What a caller sees when Kafka cannot take a write: 503 {@code kafka_unavailable}, nothing claimed accepted. */
class KafkaUnavailableTest {

    private static final int DELIVERY_TIMEOUT_MS = 2_000;

    @Test
    void answers503WhenNoBrokerIsReachable() {
        try (ApiServer server = ApiServer.startUnchecked("localhost:" + EmbeddedKafka.freePort(), DELIVERY_TIMEOUT_MS)) {
            ApiClient client = server.client();

            ApiClient.Response events = client.postJson("/v1/events", KEY_A, Json.MAPPER.createArrayNode()
                    .add(TestEvents.ftd("evt-" + UUID.randomUUID(), OPERATOR_A, "p-1"))
                    .add(TestEvents.kyc("evt-" + UUID.randomUUID(), OPERATOR_A, "p-2")));
            assertThat(events.status()).isEqualTo(503);
            assertThat(events.error()).isEqualTo("kafka_unavailable");
            assertThat(events.message()).contains("nothing is accepted", "send the same batch again");
            assertThat(events.json().has("accepted")).isFalse();
            assertThat(server.api.kafkaWritable()).isFalse();

            ApiClient.Response create = client.postJson("/v1/subscriptions", KEY_A,
                    Map.of("url", "https://93.184.215.14/hook", "event_types", List.of("*")));
            assertThat(create.status()).isEqualTo(503);
            assertThat(create.error()).isEqualTo("kafka_unavailable");
            assertThat(create.message()).contains(Topics.SUBSCRIPTIONS, "retry");

            // The catalog never loaded: reads refuse rather than answer with an empty list.
            ApiClient.Response list = client.get("/v1/subscriptions", KEY_A);
            assertThat(list.status()).isEqualTo(503);
            assertThat(list.error()).isEqualTo("kafka_unavailable");

            ApiClient.Response health = client.get("/health", null);
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().at("/checks/kafka-producer").asText()).isEqualTo("DOWN");
        }
    }

    @Test
    void answers503WhenTheBrokerStopsUnderARunningApi() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.startEphemeral();
        try {
            TopicProvisioner.ensure(broker.bootstrapServers(), 2, RetrySchedule.parse("5s"));
            try (ApiServer server = ApiServer.start(broker.bootstrapServers(), false, DELIVERY_TIMEOUT_MS)) {
                ApiClient client = server.client();
                String before = "evt-" + UUID.randomUUID();
                assertThat(client.postJson("/v1/events", KEY_A, TestEvents.ftd(before, OPERATOR_A, "p-1")).status())
                        .isEqualTo(202);
                assertThat(eventIds(broker.bootstrapServers(), Set.of(before))).contains(before);
                assertThat(server.api.kafkaWritable()).isTrue();

                // The producer knows the partitions and their leader: this is the delivery-timeout path,
                // not the metadata one of the test above.
                broker.close();
                ApiClient.Response down = client.postJson("/v1/events", KEY_A, Json.MAPPER.createArrayNode()
                        .add(TestEvents.ftd("evt-" + UUID.randomUUID(), OPERATOR_A, "p-1"))
                        .add(TestEvents.ftd("evt-" + UUID.randomUUID(), OPERATOR_A, "p-2")));

                assertThat(down.status()).isEqualTo(503);
                assertThat(down.error()).isEqualTo("kafka_unavailable");
                assertThat(down.message()).contains("nothing is accepted");
                assertThat(server.api.kafkaWritable()).isFalse();
            }
        } finally {
            broker.close();
        }
    }

    private static Set<String> eventIds(String bootstrap, Set<String> until) {
        try (KafkaTestClient kafka = new KafkaTestClient(bootstrap)) {
            List<ConsumerRecord<String, byte[]>> records = kafka.readUntil(Topics.EVENTS_CONVERSION,
                    l -> ids(l).containsAll(until), Duration.ofSeconds(30));
            return ids(records);
        }
    }

    private static Set<String> ids(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> {
            try {
                return Json.tree(r.value()).path("event_id").asText();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }).collect(Collectors.toSet());
    }
}
