package io.hookrelay.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.hookrelay.delivery.SubscriptionLimiter.Admission;
import io.hookrelay.delivery.SubscriptionLimiter.Limit;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.subscription.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a delivery waits for a slot of its subscription ({@code max_in_flight}), in memory and
 * oldest first, for at most {@link #WAIT_BEFORE_PARK}; past that it is parked on a delay topic.
 * The dispatcher's first attempts and the retry-service's due attempts both go through one, so a
 * backlog for one subscription drains at the pace its endpoint answers, while a slow or stuck
 * endpoint's backlog goes to Kafka instead of filling the process's in-flight window. A delivery
 * over its subscription's rate limit is parked at once: it is known when a token is free.
 *
 * <p>Why the retry-service waits too (it used to park again at once): a due backlog, after a
 * restart or an outage, is read in one go, so only {@code max_in_flight} of it got a slot and the
 * rest went back to the delay topic, due a second later. In the fault suite's F3 that drained
 * about ten deliveries a second for one subscription: 20,000 events made 104,189 delay-topic
 * records, some events were parked 67 times, and the last arrived 160 s after the last fault. A
 * freed slot is offered to the oldest waiting delivery at once ({@link SubscriptionLimiter#whenReleased}),
 * whichever service freed it.
 *
 * @param <T> what one delivery is to its service (the dispatcher's {@link Delivery}, the
 *            retry-service's delay record and delivery)
 */
public final class SlotQueue<T> implements AutoCloseable {

    /** How long a delivery may wait in memory for a slot of its subscription before it is parked. */
    public static final Duration WAIT_BEFORE_PARK = Duration.ofSeconds(1);
    private static final Duration SWEEP = Duration.ofMillis(100);
    private static final Logger log = LoggerFactory.getLogger(SlotQueue.class);

    /** Makes the attempt holding {@code permit}, releasing it once the HTTP exchange has ended. */
    @FunctionalInterface
    public interface Attempt<T> {
        /** @return completes once the attempt's outcome is durable in Kafka */
        CompletableFuture<?> start(T item, Subscription s, Permit permit);
    }

    /** Parks an item the limiter refused, due when the refusal says. */
    @FunctionalInterface
    public interface Park<T> {
        /** @return completes once the parked record is durable in Kafka */
        CompletableFuture<?> park(T item, Subscription s, Refusal refusal);
    }

    private record Waiting<T>(T item, Subscription subscription, CompletableFuture<Void> done, long sinceNanos) {
    }

    private final SubscriptionLimiter limiter;
    private final Attempt<T> attempt;
    private final Park<T> park;
    private final Map<String, ArrayDeque<Waiting<T>>> bySubscription = new ConcurrentHashMap<>();
    private final Consumer<String> onRelease = this::startWaiting;
    private final ScheduledExecutorService sweeper;
    private volatile boolean closed;

    /** @param name the sweeper thread's name */
    public SlotQueue(SubscriptionLimiter limiter, Attempt<T> attempt, Park<T> park, String name) {
        this.limiter = limiter;
        this.attempt = attempt;
        this.park = park;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::parkLongWaiting, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
        limiter.whenReleased(onRelease);
    }

    /**
     * Attempts {@code item} now if its subscription has a free slot, else waits for one, or parks
     * it. Completes once its outcome (or its park) is durable; fails only when the queue is closed
     * with the delivery still waiting, or its work failed: then it must not be committed.
     */
    public CompletableFuture<Void> submit(T item, Subscription s) {
        if (closed) {
            return CompletableFuture.failedFuture(new CancellationException("closing"));
        }
        Admission admission = limiter.tryAcquire(s);
        if (admission instanceof Permit permit) {
            return start(item, s, permit);
        }
        Refusal refusal = (Refusal) admission;
        if (refusal.limit() != Limit.MAX_IN_FLIGHT) {
            return parkNow(item, s, refusal);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        add(new Waiting<>(item, s, done, System.nanoTime()), false);
        // A slot freed between the refusal and the add above would otherwise wake no one.
        startWaiting(s.id());
        return done;
    }

    /** Deliveries waiting for a slot now, across subscriptions. */
    public int waiting() {
        return bySubscription.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Starts the oldest waiting delivery of a subscription when it can have a slot now. */
    private void startWaiting(String subscriptionId) {
        Waiting<T> w = poll(subscriptionId);
        if (w == null) {
            return;
        }
        if (closed) {
            w.done().completeExceptionally(new CancellationException("closing"));
            return;
        }
        if (limiter.tryAcquire(w.subscription()) instanceof Permit permit) {
            propagate(start(w.item(), w.subscription(), permit), w.done());
        } else {
            add(w, true);
        }
    }

    /** Parks what has waited too long; runs every {@link #SWEEP}. */
    private void parkLongWaiting() {
        long cutoff = System.nanoTime() - WAIT_BEFORE_PARK.toNanos();
        for (Waiting<T> w : take(x -> x.sinceNanos() - cutoff < 0)) {
            try {
                // Asked once more: a slot may have freed since, and a refusal carries how long the
                // subscription's attempts have been stuck (the recheck backs off with it).
                Admission admission = limiter.tryAcquire(w.subscription());
                if (admission instanceof Permit permit) {
                    propagate(start(w.item(), w.subscription(), permit), w.done());
                } else {
                    propagate(parkNow(w.item(), w.subscription(), (Refusal) admission), w.done());
                }
            } catch (RuntimeException e) {
                // Never let an error end the sweep: a scheduled task that throws is never run again.
                w.done().completeExceptionally(e);
                log.error("Could not park a delivery of subscription {}; its record stays uncommitted",
                        w.subscription().id(), e);
            }
        }
    }

    private CompletableFuture<Void> start(T item, Subscription s, Permit permit) {
        try {
            return attempt.start(item, s, permit).thenApply(x -> null);
        } catch (RuntimeException e) {
            permit.release();
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> parkNow(T item, Subscription s, Refusal refusal) {
        try {
            return park.park(item, s, refusal).thenApply(x -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void propagate(CompletableFuture<?> from, CompletableFuture<Void> to) {
        from.whenComplete((v, e) -> {
            if (e != null) {
                to.completeExceptionally(e);
            } else {
                to.complete(null);
            }
        });
    }

    private void add(Waiting<T> w, boolean atHead) {
        bySubscription.compute(w.subscription().id(), (id, q) -> {
            ArrayDeque<Waiting<T>> queue = q == null ? new ArrayDeque<>() : q;
            if (atHead) {
                queue.addFirst(w);
            } else {
                queue.addLast(w);
            }
            return queue;
        });
    }

    private Waiting<T> poll(String subscriptionId) {
        List<Waiting<T>> out = new ArrayList<>(1);
        bySubscription.computeIfPresent(subscriptionId, (id, q) -> {
            Waiting<T> w = q.pollFirst();
            if (w != null) {
                out.add(w);
            }
            return q.isEmpty() ? null : q;
        });
        return out.isEmpty() ? null : out.get(0);
    }

    private List<Waiting<T>> take(Predicate<Waiting<T>> due) {
        List<Waiting<T>> out = new ArrayList<>();
        for (String id : bySubscription.keySet()) {
            bySubscription.computeIfPresent(id, (k, q) -> {
                // Oldest first: stop at the first one not due.
                for (Iterator<Waiting<T>> it = q.iterator(); it.hasNext(); ) {
                    Waiting<T> w = it.next();
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

    /**
     * Takes nothing more: deliveries still waiting fail with a {@link CancellationException}, so
     * their records stay uncommitted and their next owner delivers them (same webhook-id).
     */
    @Override
    public void close() {
        closed = true;
        limiter.stopNotifying(onRelease);
        sweeper.shutdownNow();
        for (Waiting<T> w : take(x -> true)) {
            w.done().completeExceptionally(new CancellationException("closing"));
        }
    }
}
