package io.hookrelay.retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

import io.hookrelay.config.Durations;
import io.hookrelay.contract.Topics;

/**
 * The delays between delivery attempts (contract §4) and the delay topics they map to: one topic
 * per distinct delay, named {@code webhooks.retry.<delay>}. Attempt 1 is the dispatcher's first
 * attempt; attempt {@code n + 1} waits {@code delays[n - 1]} after attempt {@code n} failed.
 */
public final class RetrySchedule {

    /**
     * The attempt a delivery started again by hand (redrive, resend, recover) is written as: the
     * first retry, so it goes to the first tier and then on through the whole schedule.
     */
    public static final int FIRST_RETRY = 2;

    private final List<Duration> delays;

    public RetrySchedule(List<Duration> delays) {
        if (delays.isEmpty()) {
            throw new IllegalArgumentException("the schedule needs at least one delay");
        }
        this.delays = List.copyOf(delays);
    }

    public static RetrySchedule parse(String text) {
        List<Duration> delays = new ArrayList<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty delay in the list");
            }
            Duration d = Durations.parse(part);
            if (d.isZero()) {
                throw new IllegalArgumentException("a delay must be longer than zero");
            }
            delays.add(d);
        }
        return new RetrySchedule(delays);
    }

    public List<Duration> delays() {
        return delays;
    }

    /** First attempt plus one per delay. */
    public int maxAttempts() {
        return delays.size() + 1;
    }

    public Duration longestDelay() {
        return Collections.max(delays);
    }

    /**
     * The delay before attempt {@code nextAttempt} (2 for the first retry).
     *
     * @throws IllegalArgumentException when the schedule has no such attempt
     */
    public Duration delayBefore(int nextAttempt) {
        if (nextAttempt < 2 || nextAttempt > maxAttempts()) {
            throw new IllegalArgumentException("attempt " + nextAttempt + " is outside the schedule of "
                    + maxAttempts() + " attempts");
        }
        return delays.get(nextAttempt - 2);
    }

    /** The topic that holds a delivery waiting for attempt {@code nextAttempt}. */
    public String topicBefore(int nextAttempt) {
        return topicFor(delayBefore(nextAttempt));
    }

    public static String topicFor(Duration delay) {
        return Topics.RETRY_PREFIX + Durations.format(delay);
    }

    /** The distinct delay topics, shortest delay first. */
    public List<String> topics() {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        delays.stream().sorted().forEach(d -> names.add(topicFor(d)));
        return List.copyOf(names);
    }

    @Override
    public String toString() {
        return String.join(",", delays.stream().map(Durations::format).toList());
    }
}
