package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.hookrelay.delivery.SubscriptionLimiter.Admission;
import io.hookrelay.delivery.SubscriptionLimiter.Limit;
import io.hookrelay.delivery.SubscriptionLimiter.Permit;
import io.hookrelay.delivery.SubscriptionLimiter.Refusal;
import io.hookrelay.subscription.Subscription;
import org.junit.jupiter.api.Test;

class SubscriptionLimiterTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SubscriptionLimiter limiter = new SubscriptionLimiter(nanos::get);

    private static Subscription limited(int maxInFlight, Integer ratePerSecond) {
        return Fixtures.subscription("op-limits", "https://hooks.example.com/in").withLimits(maxInFlight, ratePerSecond);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** Makes {@code n} attempts to {@code s}, each admitted and ended at once: {@code n} tokens used. */
    private void takeTokens(Subscription s, int n) {
        for (int i = 0; i < n; i++) {
            permit(limiter.tryAcquire(s)).release();
        }
    }

    private static Permit permit(Admission a) {
        assertThat(a).isInstanceOf(Permit.class);
        return (Permit) a;
    }

    private static Refusal refusal(Admission a) {
        assertThat(a).isInstanceOf(Refusal.class);
        return (Refusal) a;
    }

    @Test
    void admitsUpToMaxInFlightThenRefusesUntilOneIsReleased() {
        Subscription s = limited(2, null);
        Permit first = permit(limiter.tryAcquire(s));
        permit(limiter.tryAcquire(s));

        Refusal third = refusal(limiter.tryAcquire(s));
        assertThat(third.limit()).isEqualTo(Limit.MAX_IN_FLIGHT);
        assertThat(third.retryAfter()).isEqualTo(SubscriptionLimiter.IN_FLIGHT_RECHECK);

        first.release();
        first.release(); // a second release gives nothing more back
        permit(limiter.tryAcquire(s));
        assertThat(refusal(limiter.tryAcquire(s)).limit()).isEqualTo(Limit.MAX_IN_FLIGHT);
    }

    @Test
    void aFullSubscriptionWhoseAttemptsHaveNotEndedForLongerIsRecheckedAsLongAfterUpToThirtySeconds() {
        Subscription stuck = limited(1, null);
        Permit hanging = permit(limiter.tryAcquire(stuck));
        advance(Duration.ofMillis(500));
        assertThat(refusal(limiter.tryAcquire(stuck)).retryAfter()).isEqualTo(SubscriptionLimiter.IN_FLIGHT_RECHECK);
        advance(Duration.ofMillis(3_500));
        assertThat(refusal(limiter.tryAcquire(stuck)).retryAfter()).isEqualTo(Duration.ofSeconds(4));
        advance(Duration.ofMinutes(5));
        assertThat(refusal(limiter.tryAcquire(stuck)).retryAfter()).isEqualTo(SubscriptionLimiter.MAX_IN_FLIGHT_RECHECK);

        // An attempt ends: the subscription is moving again, so the next refusal is back to a second.
        hanging.release();
        permit(limiter.tryAcquire(stuck));
        advance(Duration.ofMillis(200));
        assertThat(refusal(limiter.tryAcquire(stuck)).retryAfter()).isEqualTo(SubscriptionLimiter.IN_FLIGHT_RECHECK);
    }

    @Test
    void oneSubscriptionAtItsLimitDoesNotHoldUpAnother() {
        Subscription busy = limited(1, 1);
        Subscription other = limited(1, 1);
        permit(limiter.tryAcquire(busy));
        assertThat(limiter.tryAcquire(busy)).isInstanceOf(Refusal.class);

        permit(limiter.tryAcquire(other));
    }

    @Test
    void aChangedLimitAppliesAtTheNextAcquire() {
        Subscription s = limited(1, null);
        permit(limiter.tryAcquire(s));
        assertThat(limiter.tryAcquire(s)).isInstanceOf(Refusal.class);

        Subscription sameIdRaised = s.withLimits(3, null);
        permit(limiter.tryAcquire(sameIdRaised));
        permit(limiter.tryAcquire(sameIdRaised));
        assertThat(limiter.tryAcquire(sameIdRaised)).isInstanceOf(Refusal.class);
    }

    @Test
    void rateLimitAllowsABurstOfOneSecondsWorthThenOneTokenPerInterval() {
        Subscription s = limited(1000, 5);
        takeTokens(s, 5);
        Refusal sixth = refusal(limiter.tryAcquire(s));
        assertThat(sixth.limit()).isEqualTo(Limit.RATE_LIMIT);
        // One token every 200 ms.
        assertThat(sixth.retryAfter()).isEqualTo(Duration.ofMillis(200));

        advance(Duration.ofMillis(199));
        assertThat(limiter.tryAcquire(s)).isInstanceOf(Refusal.class);
        advance(Duration.ofMillis(201));
        // 400 ms after the burst: two tokens back, not more.
        permit(limiter.tryAcquire(s)).release();
        permit(limiter.tryAcquire(s)).release();
        assertThat(limiter.tryAcquire(s)).isInstanceOf(Refusal.class);

        // A long pause refills the bucket to one second's worth, never more.
        advance(Duration.ofMinutes(5));
        takeTokens(s, 5);
        assertThat(limiter.tryAcquire(s)).isInstanceOf(Refusal.class);
    }

    @Test
    void refusalsForTheRateAreSpreadOneIntervalApart() {
        Subscription s = limited(1000, 5);
        takeTokens(s, 5);
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            waits.add(refusal(limiter.tryAcquire(s)).retryAfter());
        }
        assertThat(waits).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(600),
                Duration.ofMillis(800));

        // When the first comes back, its token is there.
        advance(Duration.ofMillis(200));
        permit(limiter.tryAcquire(s)).release();
    }

    @Test
    void maxInFlightIsCheckedBeforeTheRateAndTakesNoToken() {
        Subscription s = limited(1, 2);
        Permit held = permit(limiter.tryAcquire(s));
        assertThat(refusal(limiter.tryAcquire(s)).limit()).isEqualTo(Limit.MAX_IN_FLIGHT);
        assertThat(refusal(limiter.tryAcquire(s)).limit()).isEqualTo(Limit.MAX_IN_FLIGHT);
        held.release();
        // One token of two was used; the refusals took none.
        permit(limiter.tryAcquire(s)).release();
        assertThat(refusal(limiter.tryAcquire(s)).limit()).isEqualTo(Limit.RATE_LIMIT);
    }

    @Test
    void refusalDueTimeIsRoundedUpToTheMillisecond() {
        assertThat(new Refusal(Limit.RATE_LIMIT, Duration.ofNanos(1)).dueAt(1000)).isEqualTo(1001);
        assertThat(new Refusal(Limit.RATE_LIMIT, Duration.ofMillis(200)).dueAt(1000)).isEqualTo(1200);
        assertThat(new Refusal(Limit.RATE_LIMIT, Duration.ZERO).dueAt(1000)).isEqualTo(1000);
    }

    @Test
    void forgetsSubscriptionsOnceIdle() {
        Subscription unlimitedRate = limited(2, null);
        Permit p = permit(limiter.tryAcquire(unlimitedRate));
        assertThat(limiter.size()).isEqualTo(1);
        p.release();
        // Nothing in flight and no bucket: gone at once.
        assertThat(limiter.size()).isZero();

        Subscription rated = limited(2, 10);
        permit(limiter.tryAcquire(rated)).release();
        // The bucket is not full yet: kept, so the rate still holds.
        assertThat(limiter.size()).isEqualTo(1);
        advance(Duration.ofSeconds(2));
        // Any later call sweeps entries that became idle (at most once a second).
        permit(limiter.tryAcquire(unlimitedRate));
        assertThat(limiter.size()).isEqualTo(1);

        Subscription busy = limited(1, null);
        permit(limiter.tryAcquire(busy));
        advance(Duration.ofSeconds(2));
        limiter.tryAcquire(busy);
        // Still in flight: kept.
        assertThat(limiter.size()).isEqualTo(2);
    }

    @Test
    void neverAdmitsMoreThanMaxInFlightAcrossThreads() throws Exception {
        SubscriptionLimiter real = new SubscriptionLimiter();
        Subscription s = limited(3, null);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger highest = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch done = new CountDownLatch(8);
        for (int t = 0; t < 8; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 2000; i++) {
                    if (real.tryAcquire(s) instanceof Permit p) {
                        highest.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        admitted.incrementAndGet();
                        inFlight.decrementAndGet();
                        p.release();
                    }
                }
                done.countDown();
            });
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        pool.shutdown();
        assertThat(highest.get()).isBetween(1, 3);
        assertThat(admitted.get()).isPositive();
        assertThat(real.size()).isZero();
    }
}
