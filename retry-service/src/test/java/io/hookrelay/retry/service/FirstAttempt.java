package io.hookrelay.retry.service;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.DeliveryOutcomeWriter;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.kafka.KafkaClients;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Makes the first attempt of a delivery the way the dispatcher does, with the same shared sender
 * and outcome writer: a real request to the receiver, then its outcome (attempt record, and the
 * delivery on the first delay tier when it failed) written to Kafka.
 */
final class FirstAttempt implements AutoCloseable {

    private final Clock clock = Clock.systemUTC();
    private final SubscriptionCatalog catalog;
    private final KafkaProducer<String, byte[]> producer;
    private final WebhookSender sender;
    private final DeliveryOutcomeWriter writer;

    FirstAttempt(PipelineConfig config) {
        catalog = new SubscriptionCatalog(config.bootstrapServers(), "test-first-attempt").start();
        producer = KafkaClients.durableProducer(config.bootstrapServers(), "test-first-attempt", 30_000);
        sender = WebhookSender.fromConfig(config, clock);
        writer = new DeliveryOutcomeWriter(producer, catalog, config.get(PipelineConfig.RETRY_SCHEDULE), clock);
    }

    /** Attempt 1 of {@code event} to {@code s}; returns its attempt record once Kafka has it. */
    AttemptRecord make(ObjectNode event, Subscription s) throws Exception {
        Delivery d = Delivery.first(event, Fixtures.POSITION, s.id(), clock.millis());
        AttemptResult result = sender.send(d, s).get(30, TimeUnit.SECONDS);
        return writer.write(d, s, result).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        sender.close();
        producer.close(Duration.ofSeconds(5));
        catalog.close();
    }
}
