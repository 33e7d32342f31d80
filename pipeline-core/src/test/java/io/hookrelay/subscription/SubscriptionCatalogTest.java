package io.hookrelay.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.kafka.TopicProvisioner;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.retry.RetrySchedule;
import io.hookrelay.testing.KafkaTestClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SubscriptionCatalogTest {

    static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.startEphemeral();
        TopicProvisioner.ensure(kafka.bootstrapServers(), 3, RetrySchedule.parse("5s"));
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    static Subscription sub(String id, String operator) {
        return Subscription.builder(id, operator, "https://example.com/" + id).eventTypes("*").enabled(true)
                .secret(Secrets.newSecret()).createdAt(Instant.EPOCH).updatedAt(Instant.EPOCH).build();
    }

    @Test
    void rebuildsItsViewFromTheTopicAfterARestart() throws Exception {
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.send(Topics.SUBSCRIPTIONS, "sub_r1", Json.bytes(sub("sub_r1", "acme")));
            client.send(Topics.SUBSCRIPTIONS, "sub_r2", Json.bytes(sub("sub_r2", "acme")));
            client.send(Topics.SUBSCRIPTIONS, "sub_r3", Json.bytes(sub("sub_r3", "globex")));
            client.send(Topics.SUBSCRIPTIONS, "sub_r2", null);
        }
        try (SubscriptionCatalog restarted = new SubscriptionCatalog(kafka.bootstrapServers(), "test-catalog").start()) {
            assertThat(restarted.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
            assertThat(restarted.get("sub_r1")).isPresent();
            assertThat(restarted.get("sub_r2")).as("deleted by a tombstone").isEmpty();
            assertThat(restarted.forOperator("acme")).extracting(Subscription::id).containsExactly("sub_r1");
            assertThat(restarted.forOperator("globex")).extracting(Subscription::id).containsExactly("sub_r3");
        }
    }

    @Test
    void seesChangesWrittenByAnotherProcess() throws Exception {
        try (SubscriptionCatalog reader = new SubscriptionCatalog(kafka.bootstrapServers(), "reader").start();
             SubscriptionCatalog writerView = new SubscriptionCatalog(kafka.bootstrapServers(), "writer").start();
             KafkaProducer<String, byte[]> producer = KafkaClients.durableProducer(kafka.bootstrapServers(), "w", 10_000)) {
            reader.awaitCaughtUp(Duration.ofSeconds(30));
            SubscriptionPublisher publisher = new SubscriptionPublisher(producer, writerView);
            publisher.put(sub("sub_live", "acme")).get();
            assertThat(writerView.get("sub_live")).as("the writer reads its own write at once").isPresent();
            await().atMost(Duration.ofSeconds(10)).until(() -> reader.get("sub_live").isPresent());

            publisher.put(sub("sub_live", "acme").withEnabled(false, "paused", Instant.EPOCH)).get();
            await().atMost(Duration.ofSeconds(10)).until(() -> !reader.get("sub_live").orElseThrow().enabled());

            publisher.delete("sub_live").get();
            await().atMost(Duration.ofSeconds(10)).until(() -> reader.get("sub_live").isEmpty());
        }
    }

    @Test
    void ignoresAnUnreadableRecordAndKeepsFollowing() throws Exception {
        try (SubscriptionCatalog reader = new SubscriptionCatalog(kafka.bootstrapServers(), "tolerant").start();
             KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            reader.awaitCaughtUp(Duration.ofSeconds(30));
            client.send(Topics.SUBSCRIPTIONS, "sub_bad", "not json".getBytes());
            client.send(Topics.SUBSCRIPTIONS, "sub_good", Json.bytes(sub("sub_good", "acme")));
            await().atMost(Duration.ofSeconds(5)).until(() -> reader.get("sub_good").isPresent());
            assertThat(reader.get("sub_bad")).isEmpty();
        }
    }
}
