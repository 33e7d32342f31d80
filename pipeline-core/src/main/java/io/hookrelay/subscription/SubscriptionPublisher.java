package io.hookrelay.subscription;

import java.util.concurrent.CompletableFuture;

import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes subscription changes to {@code webhooks.subscriptions} and, once Kafka has acknowledged
 * them, applies them to this process's catalog so the writer reads its own write at once.
 */
public final class SubscriptionPublisher {

    private final Producer<String, byte[]> producer;
    private final SubscriptionCatalog catalog;

    public SubscriptionPublisher(Producer<String, byte[]> producer, SubscriptionCatalog catalog) {
        this.producer = producer;
        this.catalog = catalog;
    }

    /** Creates or replaces a subscription; completes when Kafka has acknowledged it. */
    public CompletableFuture<Subscription> put(Subscription s) {
        return send(s.id(), s).thenApply(v -> s);
    }

    /** Deletes a subscription with a tombstone; completes when Kafka has acknowledged it. */
    public CompletableFuture<Void> delete(String id) {
        return send(id, null);
    }

    private CompletableFuture<Void> send(String id, Subscription value) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] bytes = value == null ? null : Json.bytes(value);
        producer.send(new ProducerRecord<>(Topics.SUBSCRIPTIONS, id, bytes), (md, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else {
                catalog.apply(id, value);
                done.complete(null);
            }
        });
        return done;
    }
}
