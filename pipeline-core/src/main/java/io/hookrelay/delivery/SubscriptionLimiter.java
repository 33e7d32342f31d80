package io.hookrelay.delivery;

import java.time.Duration;
import java.util.Locale;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import io.hookrelay.subscription.Subscription;

/**
 * Holds each subscription to its own delivery limits within this process: at most
 * {@code max_in_flight} attempts at once, and, when it has a {@code rate_limit_per_second}, at most
 * that many attempts started per second. The limits are read from the {@link Subscription} passed
 * in, so a changed subscription applies at its next delivery. Thread-safe.
 *
 * <p>The rate is a token bucket holding one second's worth of tokens (the burst equals the rate),
 * kept as the time the bucket is full again, in {@code nanoTime} units. A refusal says when to try
 * again. For the rate: the time a token is free, spread one token interval apart from the previous
 * refusal, so a backlog comes back at the rate instead of all at once. For {@code max_in_flight}
 * (how long an attempt takes is not known): {@link #IN_FLIGHT_RECHECK} while attempts keep ending,
 * and, when none has ended for longer (an endpoint that accepts connections and never answers), as
 * long as none has, up to {@link #MAX_IN_FLIGHT_RECHECK}. Each parked delivery is a read and a write
 * of Kafka per check, so a stuck endpoint's backlog checked every second cost the healthy
 * subscriptions more than the stuck attempts themselves (benchmark S3); backing off with the stall
 * cuts that, and delays a stuck endpoint's backlog after it recovers by at most the time it was
 * stuck (and never more than {@link #MAX_IN_FLIGHT_RECHECK}).
 *
 * <p>An entry exists only while a subscription has attempts in flight, a bucket not yet full, or
 * refused deliveries not yet due; idle entries are removed as their last permit is released and by
 * a sweep at most once per {@link #SWEEP_INTERVAL}, so memory follows the active subscriptions.
 */
public final class SubscriptionLimiter {

    /** How long a delivery refused for {@code max_in_flight} waits at least before it is tried again. */
    public static final Duration IN_FLIGHT_RECHECK = Duration.ofSeconds(1);
    /** And at most, however long the subscription's attempts have been stuck. */
    public static final Duration MAX_IN_FLIGHT_RECHECK = Duration.ofSeconds(30);
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    /** Which limit refused a delivery. Wire values: the {@code reason} label of the parked counters. */
    public enum Limit {
        MAX_IN_FLIGHT, RATE_LIMIT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The answer of {@link #tryAcquire}: a {@link Permit} or a {@link Refusal}. */
    public sealed interface Admission permits Permit, Refusal {
    }

    /** Leave to make one attempt; {@link #release()} once the attempt has ended. */
    public static final class Permit implements Admission {
        private final SubscriptionLimiter limiter;
        private final String subscriptionId;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(SubscriptionLimiter limiter, String subscriptionId) {
            this.limiter = limiter;
            this.subscriptionId = subscriptionId;
        }

        /** Gives the slot back; any thread, and more than once is harmless. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                limiter.release(subscriptionId);
            }
        }
    }

    /**
     * Over a limit: do not attempt now.
     *
     * @param retryAfter how long until the delivery may be tried again, never negative
     */
    public record Refusal(Limit limit, Duration retryAfter) implements Admission {
        /** The epoch ms to try again at, given the epoch ms {@code now}: rounded up, so never early. */
        public long dueAt(long now) {
            return now + TimeUnit.NANOSECONDS.toMillis(retryAfter.toNanos() + 999_999);
        }
    }

    /** One subscription's state; guarded by the map's per-key locking (every change is in a compute). */
    private static final class Entry {
        int inFlight;
        /** When the bucket is full again (ns); at or before now, it is full. */
        long fullAt;
        /** The retry time given to the last delivery refused for the rate (ns): the next one goes after it. */
        long refusedUntil;
        /** When an attempt last ended, or the entry was made (ns): how long the slots have been stuck. */
        long lastEndedAt;

        Entry(long now) {
            fullAt = now;
            refusedUntil = now;
            lastEndedAt = now;
        }

        boolean idle(long now) {
            return inFlight == 0 && fullAt - now <= 0 && refusedUntil - now <= 0;
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<Consumer<String>> releaseListeners = new CopyOnWriteArrayList<>();
    private final LongSupplier nanoTime;
    private final AtomicLong nextSweep;

    public SubscriptionLimiter() {
        this(System::nanoTime);
    }

    /** @param nanoTime a monotonic clock in nanoseconds, as {@link System#nanoTime()} */
    SubscriptionLimiter(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.nextSweep = new AtomicLong(nanoTime.getAsLong() + SWEEP_INTERVAL.toNanos());
    }

    /**
     * A permit for one attempt to {@code s} if both its limits allow one now, else a refusal saying
     * which limit and when to try again. {@code max_in_flight} is checked first, so a delivery
     * refused for it takes no token.
     */
    public Admission tryAcquire(Subscription s) {
        long now = nanoTime.getAsLong();
        sweepIfDue(now);
        Admission[] answer = new Admission[1];
        entries.compute(s.id(), (id, existing) -> {
            Entry e = existing == null ? new Entry(now) : existing;
            answer[0] = admit(e, s, now);
            return e;
        });
        return answer[0];
    }

    private Admission admit(Entry e, Subscription s, long now) {
        if (e.inFlight >= s.maxInFlight()) {
            return new Refusal(Limit.MAX_IN_FLIGHT, inFlightRecheck(now - e.lastEndedAt));
        }
        Integer rate = s.rateLimitPerSecond();
        if (rate != null) {
            long interval = NANOS_PER_SECOND / rate;
            long start = Math.max(e.fullAt, now);
            // Room for one more token while the bucket is not fuller than its capacity (one second).
            if (start + interval - now > NANOS_PER_SECOND) {
                long tokenAt = start + interval - NANOS_PER_SECOND;
                long retryAt = Math.max(tokenAt, e.refusedUntil - now > 0 ? e.refusedUntil + interval : now);
                e.refusedUntil = retryAt;
                return new Refusal(Limit.RATE_LIMIT, Duration.ofNanos(Math.max(0, retryAt - now)));
            }
            e.fullAt = start + interval;
        }
        e.inFlight++;
        return new Permit(this, s.id());
    }

    private void release(String subscriptionId) {
        long now = nanoTime.getAsLong();
        entries.computeIfPresent(subscriptionId, (id, e) -> {
            e.inFlight--;
            e.lastEndedAt = now;
            return e.idle(now) ? null : e;
        });
        // Outside the compute: a listener takes the slot at once, which locks the entry again.
        for (Consumer<String> l : releaseListeners) {
            l.accept(subscriptionId);
        }
    }

    /**
     * Calls {@code listener} with the subscription id each time one of its slots is given back, on
     * the thread that gave it back: whoever waits for a slot of that subscription (the dispatcher's
     * and the retry-service's {@link SlotQueue}s, which share one limiter in the all-in-one) can
     * take it then instead of at its next check.
     */
    public void whenReleased(Consumer<String> listener) {
        releaseListeners.add(listener);
    }

    public void stopNotifying(Consumer<String> listener) {
        releaseListeners.remove(listener);
    }

    /** The wait before rechecking a full subscription none of whose attempts has ended for {@code stalledNanos}. */
    static Duration inFlightRecheck(long stalledNanos) {
        if (stalledNanos <= IN_FLIGHT_RECHECK.toNanos()) {
            return IN_FLIGHT_RECHECK;
        }
        return stalledNanos >= MAX_IN_FLIGHT_RECHECK.toNanos() ? MAX_IN_FLIGHT_RECHECK : Duration.ofNanos(stalledNanos);
    }

    /** Removes idle entries, at most once per {@link #SWEEP_INTERVAL} whoever calls. */
    private void sweepIfDue(long now) {
        long due = nextSweep.get();
        if (now - due < 0 || !nextSweep.compareAndSet(due, now + SWEEP_INTERVAL.toNanos())) {
            return;
        }
        for (String id : entries.keySet()) {
            entries.computeIfPresent(id, (k, e) -> e.idle(now) ? null : e);
        }
    }

    /** Subscriptions with an entry; for tests. */
    int size() {
        return entries.size();
    }
}
