package io.hookrelay.dispatcher.status.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.delivery.AttemptRecord;
import org.junit.jupiter.api.Test;

/** The health aggregate on its own: fixed buckets that forget what falls out of the window. */
class SubscriptionHealthTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private static AttemptRecord attempt(Instant at, boolean ok, long latencyMs) {
        return new AttemptRecord("msg_1", "sub_1", "op", "e", "conversion.ftd", 1, at.toEpochMilli(), at.toEpochMilli(),
                0, ok ? 204 : 500, latencyMs, ok ? null : "HTTP 500", "", ok ? Outcome.DELIVERED : Outcome.RETRYING,
                null, null, "http://h");
    }

    @Test
    void windowsCountOnlyAttemptsWithinTheLastHourAndDay() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        h.record(attempt(T0, true, 20));
        h.record(attempt(T0.plus(Duration.ofMinutes(30)), false, 40));
        h.record(attempt(T0.plus(Duration.ofMinutes(90)), true, 700));
        long now = T0.plus(Duration.ofMinutes(100)).toEpochMilli();

        assertThat(h.lastHour(now)).isEqualTo(new SubscriptionHealth.Window(1, 0, 1_000L, 1_000L));
        SubscriptionHealth.Window day = h.lastDay(now);
        assertThat(day.attempts()).isEqualTo(3);
        assertThat(day.failures()).isEqualTo(1);
        assertThat(day.p50Ms()).isEqualTo(50L);
        assertThat(day.p99Ms()).isEqualTo(1_000L);

        // The day is the current hour and the 23 before it: at 10:20 the next day, from 11:00 on.
        long nextDay = T0.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(20)).toEpochMilli();
        assertThat(h.lastDay(nextDay).attempts()).as("only the 11:30 attempt is within the day").isEqualTo(1);
        // A slot reused a day later starts from zero rather than adding to yesterday's count.
        h.record(attempt(T0.plus(Duration.ofHours(24)), true, 20));
        assertThat(h.lastDay(nextDay).attempts()).isEqualTo(2);
    }

    @Test
    void lastHourPercentilesCountOnlyTheLastSixtyMinutesThoughTheHourSlotStillHoldsOlderAttempts() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        for (int i = 0; i < 10; i++) {
            h.record(attempt(T0.plus(Duration.ofMinutes(2)), true, 3_000));
        }
        h.record(attempt(T0.plus(Duration.ofMinutes(59)), true, 20));
        // 11:03: the last hour is 10:04 to 11:03, the day's 10:00 slot still holds the ten at 10:02.
        long now = T0.plus(Duration.ofMinutes(63)).toEpochMilli();

        assertThat(h.lastHour(now)).isEqualTo(new SubscriptionHealth.Window(1, 0, 25L, 25L));
        assertThat(h.lastDay(now)).isEqualTo(new SubscriptionHealth.Window(11, 0, 5_000L, 5_000L));
        long noon = T0.plus(Duration.ofHours(2)).toEpochMilli();
        assertThat(h.lastHour(noon)).as("nothing within the hour: no percentiles, as for a day")
                .isEqualTo(new SubscriptionHealth.Window(0, 0, null, null));
    }

    @Test
    void aMinuteSlotReusedAnHourLaterForgetsItsLatencyWithItsCounts() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        h.record(attempt(T0.plus(Duration.ofMinutes(5)), false, 3_000));
        h.record(attempt(T0.plus(Duration.ofMinutes(65)), true, 20));
        long now = T0.plus(Duration.ofMinutes(65)).plusSeconds(30).toEpochMilli();

        // Had slot 5 kept 10:05's 3 s, the p99 of the two would be 5000.
        assertThat(h.lastHour(now)).isEqualTo(new SubscriptionHealth.Window(1, 0, 25L, 25L));
        // A late attempt for the minute the slot counted before is too old for it, latency included.
        h.record(attempt(T0.plus(Duration.ofMinutes(5)).plusSeconds(10), false, 3_000));
        assertThat(h.lastHour(now)).isEqualTo(new SubscriptionHealth.Window(1, 0, 25L, 25L));
    }

    @Test
    void bucketsAreEveryMinuteOfTheHourAndEveryHourOfTheDayOldestFirstWithZerosWhereNothingCounted() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        h.record(attempt(T0.plusSeconds(10), true, 20));
        h.record(attempt(T0.plusSeconds(50), false, 20));
        h.record(attempt(T0.plus(Duration.ofMinutes(59)), true, 20));
        h.record(attempt(T0.minus(Duration.ofHours(3)), false, 20));
        long now = T0.plus(Duration.ofMinutes(59)).plusSeconds(30).toEpochMilli();

        var minutes = h.minuteBuckets(now);
        assertThat(minutes).hasSize(60);
        assertThat(minutes.get(0)).isEqualTo(new SubscriptionHealth.Bucket(T0.toEpochMilli(), 2, 1));
        assertThat(minutes.get(0).delivered()).isEqualTo(1);
        assertThat(minutes.get(59)).isEqualTo(new SubscriptionHealth.Bucket(
                T0.plus(Duration.ofMinutes(59)).toEpochMilli(), 1, 0));
        assertThat(minutes.subList(1, 59)).allMatch(b -> b.attempts() == 0);
        var hours = h.hourBuckets(now);
        assertThat(hours).hasSize(24);
        assertThat(hours.get(23)).isEqualTo(new SubscriptionHealth.Bucket(T0.toEpochMilli(), 3, 1));
        assertThat(hours.get(20)).isEqualTo(new SubscriptionHealth.Bucket(T0.minus(Duration.ofHours(3)).toEpochMilli(), 1, 1));
        // An hour later the minute slots hold the previous hour's counts: they are not shown as this hour's.
        assertThat(h.minuteBuckets(now + 3_600_000L)).allMatch(b -> b.attempts() == 0);
        assertThat(SubscriptionHealth.none().hourBuckets(now)).hasSize(24).allMatch(b -> b.attempts() == 0);
    }

    @Test
    void aSuccessEndsTheFailingStreak() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        h.record(attempt(T0, false, 10));
        h.record(attempt(T0.plusSeconds(5), false, 10));
        assertThat(h.consecutiveFailures()).isEqualTo(2);
        assertThat(h.failingSince()).isEqualTo(T0.toEpochMilli());

        h.record(attempt(T0.plusSeconds(10), true, 10));

        assertThat(h.consecutiveFailures()).isZero();
        assertThat(h.failingSince()).isNull();
        assertThat(h.lastSuccessAt()).isEqualTo(T0.plusSeconds(10).toEpochMilli());
        assertThat(h.lastError()).isEqualTo("HTTP 500");
    }

    @Test
    void staysTheSameSizeHoweverMuchTrafficItCounts() {
        SubscriptionHealth h = new SubscriptionHealth("sub_1", "op");
        // Two attempts a minute for 25 hours: every minute and hour slot in use.
        for (int i = 0; i < 3_000; i++) {
            h.record(attempt(T0.plusSeconds(i * 30L), i % 2 == 0, i));
        }
        int afterADay = stored(h);
        for (int i = 3_000; i < 100_000; i++) {
            h.record(attempt(T0.plusSeconds(i * 30L), i % 2 == 0, i % 2000));
        }

        assertThat(stored(h)).isLessThan(2_000).isBetween(afterADay - 100, afterADay + 100);
    }

    private static int stored(SubscriptionHealth h) {
        return SubscriptionHealth.SERDE.serializer().serialize("t", h).length;
    }
}
