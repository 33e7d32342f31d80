package io.hookrelay.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private final RetrySchedule schedule = RetrySchedule.parse("5s,5m,30m,2h,5h,10h,10h");

    @Test
    void defaultScheduleMakesEightAttempts() {
        assertThat(schedule.maxAttempts()).isEqualTo(8);
        assertThat(schedule.longestDelay()).isEqualTo(Duration.ofHours(10));
    }

    @Test
    void mapsEachDistinctDelayToOneTopic() {
        assertThat(schedule.topics()).containsExactly("webhooks.retry.5s", "webhooks.retry.5m", "webhooks.retry.30m",
                "webhooks.retry.2h", "webhooks.retry.5h", "webhooks.retry.10h");
        assertThat(schedule.topicBefore(2)).isEqualTo("webhooks.retry.5s");
        assertThat(schedule.topicBefore(7)).isEqualTo("webhooks.retry.10h");
        assertThat(schedule.topicBefore(8)).isEqualTo("webhooks.retry.10h");
    }

    @Test
    void namesTopicsByTheShortestExactUnit() {
        assertThat(RetrySchedule.parse("300s,90s,1500ms").topics())
                .containsExactly("webhooks.retry.1500ms", "webhooks.retry.90s", "webhooks.retry.5m");
    }

    @Test
    void refusesAttemptsOutsideTheSchedule() {
        assertThatThrownBy(() -> schedule.delayBefore(9)).hasMessage("attempt 9 is outside the schedule of 8 attempts");
    }

    @Test
    void refusesEmptyAndZeroDelays() {
        assertThatThrownBy(() -> RetrySchedule.parse("5s,,5m")).hasMessage("empty delay in the list");
        assertThatThrownBy(() -> RetrySchedule.parse("0s")).hasMessage("a delay must be longer than zero");
    }
}
