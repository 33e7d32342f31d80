package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.hookrelay.delivery.SubscriptionLimiter.Limit;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.subscription.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SlotQueueTest {

    /** Plays a service: attempts it was asked to make (held until ended) and what it parked, by item. */
    private static final class Service {
        final Map<String, Permit> holding = new ConcurrentHashMap<>();
        final List<String> started = new CopyOnWriteArrayList<>();
        final Map<String, Refusal> parked = new ConcurrentHashMap<>();
        final SlotQueue<String> queue;

        Service(SubscriptionLimiter limiter, String name) {
            queue = new SlotQueue<>(limiter, (item, s, permit) -> {
                started.add(item);
                holding.put(item, permit);
                return CompletableFuture.completedFuture(null);
            }, (item, s, refusal) -> {
                parked.put(item, refusal);
                return CompletableFuture.completedFuture(null);
            }, name);
        }

        /** Ends the HTTP exchange of {@code item}'s attempt: its slot is given back. */
        void end(String item) {
            holding.remove(item).release();
        }
    }

    private final SubscriptionLimiter limiter = new SubscriptionLimiter();
    private final Service dispatcher = new Service(limiter, "test-dispatcher-slots");
    private final Service retry = new Service(limiter, "test-retry-slots");

    @AfterEach
    void close() {
        dispatcher.queue.close();
        retry.queue.close();
    }

    private static Subscription limited(int maxInFlight, Integer ratePerSecond) {
        return Fixtures.subscription("op-slots", "https://hooks.example.com/in").withLimits(maxInFlight, ratePerSecond);
    }

    @Test
    void aDeliveryPastMaxInFlightWaitsAndTakesTheNextFreedSlotOldestFirst() {
        Subscription s = limited(1, null);
        dispatcher.queue.submit("a", s);
        CompletableFuture<Void> b = dispatcher.queue.submit("b", s);
        CompletableFuture<Void> c = dispatcher.queue.submit("c", s);
        assertThat(dispatcher.started).containsExactly("a");
        assertThat(dispatcher.queue.waiting()).isEqualTo(2);

        dispatcher.end("a");
        assertThat(dispatcher.started).containsExactly("a", "b");
        assertThat(b).isCompleted();
        assertThat(c).isNotDone();
        dispatcher.end("b");
        assertThat(dispatcher.started).containsExactly("a", "b", "c");
        assertThat(dispatcher.parked).isEmpty();
    }

    @Test
    void aSlotFreedByTheOtherServiceSharingTheLimiterStartsTheWaitingDelivery() {
        // The all-in-one shares one limiter: the retry-service's due delivery must not sit out its
        // whole wait (and then be parked) while the dispatcher's attempts keep ending.
        Subscription s = limited(1, null);
        dispatcher.queue.submit("first", s);
        CompletableFuture<Void> due = retry.queue.submit("due", s);
        assertThat(retry.started).isEmpty();

        dispatcher.end("first");
        assertThat(retry.started).containsExactly("due");
        assertThat(due).isCompleted();
        assertThat(retry.parked).isEmpty();
    }

    @Test
    void aDeliveryStillWaitingAfterTheWaitIsParkedForMaxInFlight() {
        Subscription s = limited(1, null);
        dispatcher.queue.submit("stuck", s);
        CompletableFuture<Void> waiting = dispatcher.queue.submit("behind", s);

        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        assertThat(dispatcher.parked).containsOnlyKeys("behind");
        assertThat(dispatcher.parked.get("behind").limit()).isEqualTo(Limit.MAX_IN_FLIGHT);
        assertThat(dispatcher.started).containsExactly("stuck");
        assertThat(dispatcher.queue.waiting()).isZero();
    }

    @Test
    void aDeliveryOverTheRateLimitIsParkedAtOnce() {
        Subscription s = limited(100, 1);
        dispatcher.queue.submit("token", s);
        CompletableFuture<Void> over = dispatcher.queue.submit("over", s);

        assertThat(over).isCompleted();
        assertThat(dispatcher.parked.get("over").limit()).isEqualTo(Limit.RATE_LIMIT);
        assertThat(dispatcher.queue.waiting()).isZero();
    }

    @Test
    void closingFailsWhatStillWaitsSoItsRecordIsNotCommitted() {
        Subscription s = limited(1, null);
        dispatcher.queue.submit("running", s);
        CompletableFuture<Void> waiting = dispatcher.queue.submit("waiting", s);

        dispatcher.queue.close();
        assertThatThrownBy(waiting::join).isInstanceOf(CancellationException.class);
        assertThat(dispatcher.queue.submit("late", s)).isCompletedExceptionally();
        // A slot freed after closing starts nothing.
        dispatcher.end("running");
        assertThat(dispatcher.started).containsExactly("running");
    }
}
