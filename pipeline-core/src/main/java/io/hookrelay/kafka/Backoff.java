package io.hookrelay.kafka;

import java.time.Duration;

/**
 * Exponential backoff for a client that keeps failing: 500 ms, doubling up to 30 s, and back to
 * 500 ms once it has run a minute without failing. Keeps a broken cluster from being hammered by
 * rebuilds while letting a single blip heal at once.
 */
public final class Backoff {

    static final Duration FIRST = Duration.ofMillis(500);
    static final Duration MAX = Duration.ofSeconds(30);
    /** A failure this long after the previous one starts the backoff over. */
    static final Duration CALM = Duration.ofMinutes(1);

    private long lastFailureNanos = Long.MIN_VALUE;
    private Duration current = Duration.ZERO;

    /** The wait before the next try after a failure now. */
    public synchronized Duration next() {
        long now = System.nanoTime();
        boolean calm = lastFailureNanos == Long.MIN_VALUE || now - lastFailureNanos > CALM.toNanos();
        current = calm ? FIRST : min(current.multipliedBy(2), MAX);
        lastFailureNanos = now;
        return current;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Sleeps for {@code d}; false when interrupted (the interrupt flag is set again). */
    public static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
