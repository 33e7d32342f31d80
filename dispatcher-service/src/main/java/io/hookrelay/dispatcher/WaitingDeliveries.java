package io.hookrelay.dispatcher;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import io.hookrelay.delivery.Delivery;
import io.hookrelay.subscription.Subscription;

/**
 * First deliveries whose subscription is at its {@code max_in_flight}, waiting in memory, oldest
 * first, for one of its attempts to end. A burst to a fast endpoint is then absorbed here in
 * milliseconds; a delivery still waiting after the dispatcher's wait limit means the endpoint is
 * slow or stuck, and is parked in Kafka instead. Everything waiting counts against
 * {@code WEBHOOKS_MAX_IN_FLIGHT}, so this is bounded with the rest. Thread-safe.
 */
final class WaitingDeliveries {

    /** One waiting delivery; {@code done} completes when its outcome (or its park) is durable. */
    record Waiting(Delivery delivery, Subscription subscription, CompletableFuture<Void> done, long sinceNanos) {
    }

    private final Map<String, ArrayDeque<Waiting>> bySubscription = new ConcurrentHashMap<>();

    void add(Waiting w) {
        bySubscription.compute(w.subscription().id(), (id, q) -> {
            ArrayDeque<Waiting> queue = q == null ? new ArrayDeque<>() : q;
            queue.addLast(w);
            return queue;
        });
    }

    /** Removes and returns the oldest delivery waiting for {@code subscriptionId}, or null. */
    Waiting poll(String subscriptionId) {
        Waiting[] out = new Waiting[1];
        bySubscription.computeIfPresent(subscriptionId, (id, q) -> {
            out[0] = q.pollFirst();
            return q.isEmpty() ? null : q;
        });
        return out[0];
    }

    /** Puts back at the head a delivery taken by {@link #poll} that could not start after all. */
    void putBack(Waiting w) {
        bySubscription.compute(w.subscription().id(), (id, q) -> {
            ArrayDeque<Waiting> queue = q == null ? new ArrayDeque<>() : q;
            queue.addFirst(w);
            return queue;
        });
    }

    /** Removes and returns every delivery that has waited since before {@code cutoffNanos} (a nanoTime). */
    List<Waiting> takeWaitingSince(long cutoffNanos) {
        return take(w -> w.sinceNanos() - cutoffNanos < 0);
    }

    /** Removes and returns everything. */
    List<Waiting> takeAll() {
        return take(w -> true);
    }

    private List<Waiting> take(Predicate<Waiting> due) {
        List<Waiting> out = new ArrayList<>();
        for (String id : bySubscription.keySet()) {
            bySubscription.computeIfPresent(id, (k, q) -> {
                // Oldest first: stop at the first one not due.
                for (Iterator<Waiting> it = q.iterator(); it.hasNext(); ) {
                    Waiting w = it.next();
                    if (!due.test(w)) {
                        break;
                    }
                    out.add(w);
                    it.remove();
                }
                return q.isEmpty() ? null : q;
            });
        }
        return out;
    }
}
