package io.hookrelay.retry.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.hookrelay.delivery.Delivery;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.testing.KafkaTestClient;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;

/**
 * Many deliveries waiting on the delay tiers at once, and what their subscriber must have received
 * in the end: each of them, under its own webhook-id, never before its due time.
 */
final class Backlog {

    private final String prefix;
    private final Map<String, Delivery> byEvent = new HashMap<>();

    private Backlog(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Writes {@code count} deliveries, spread over {@code subs} (and so over partitions) and over
     * {@code tiers}, their due times spread evenly over {@code spreadMs} from {@code firstDueAt}.
     */
    static Backlog write(KafkaTestClient client, String prefix, List<Subscription> subs, List<String> tiers, int count,
                         long firstDueAt, long spreadMs) {
        Backlog b = new Backlog(prefix);
        for (int i = 0; i < count; i++) {
            String tier = tiers.get(i % tiers.size());
            int attempt = 2 + (i % tiers.size());
            Delivery d = Fixtures.waiting(subs.get(i % subs.size()), prefix + i, attempt,
                    firstDueAt + spreadMs * i / count);
            client.producer().send(d.toRetryRecord(tier, 500, "HTTP 500"));
            b.byEvent.put(d.eventId(), d);
        }
        client.producer().flush();
        return b;
    }

    int size() {
        return byEvent.size();
    }

    Set<String> webhookIds() {
        return byEvent.values().stream().map(Delivery::webhookId).collect(Collectors.toSet());
    }

    long dueAt(String eventId) {
        return byEvent.get(eventId).dueAt();
    }

    /** The distinct deliveries of this backlog the receiver has seen. */
    Set<String> received(WebhookReceiver receiver) {
        return mine(receiver.received()).stream().map(Fixtures::eventId).collect(Collectors.toSet());
    }

    List<Received> mine(List<Received> all) {
        return all.stream().filter(r -> Fixtures.eventId(r).startsWith(prefix)).toList();
    }

    /** Every delivery received, under its own webhook-id, and no request before its due time. */
    void assertAllReceivedNoneEarly(WebhookReceiver receiver) {
        List<Received> mine = mine(receiver.received());
        assertThat(new TreeSet<>(mine.stream().map(Fixtures::eventId).toList()))
                .as("deliveries received").isEqualTo(new TreeSet<>(byEvent.keySet()));
        for (Received r : mine) {
            Delivery d = byEvent.get(Fixtures.eventId(r));
            assertThat(r.header("webhook-id")).isEqualTo(d.webhookId());
            assertThat(r.at().toEpochMilli()).as("receive time of %s (attempt %d)", d.eventId(), d.attempt())
                    .isGreaterThanOrEqualTo(d.dueAt());
        }
    }
}
