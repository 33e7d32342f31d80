package io.hookrelay.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** The rebuild loop every consumer runs in: what fails while running is run again, counted; what fails on the way out is not. */
class RecoveriesTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aConsumerThatFailsIsRunAgainAfterABackoffAndEachFailureIsCounted() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long start = System.nanoTime();

        new Recoveries(meters).keepRunning("test-consumer", () -> true, () -> {
            if (runs.incrementAndGet() < 3) {
                throw new KafkaException("broken", new IllegalStateException("fenced"));
            }
        }, failures::incrementAndGet);

        assertThat(runs).hasValue(3);
        assertThat(failures).hasValue(2);
        assertThat(meters.get("hookrelay.kafka.recoveries").tag("component", "test-consumer")
                .tag("action", "rebuild_client").tag("error", "IllegalStateException").counter().count()).isEqualTo(2.0);
        // 500 ms, then 1 s.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aFailureWhileStoppingEndsTheLoopWithoutARebuild() {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger runs = new AtomicInteger();

        new Recoveries(meters).keepRunning("test-consumer", running::get, () -> {
            runs.incrementAndGet();
            running.set(false);
            throw new KafkaException("closing");
        }, () -> { });

        assertThat(runs).hasValue(1);
        assertThat(meters.find("hookrelay.kafka.recoveries").counters()).isEmpty();
    }

    @Test
    void backoffDoublesUpToItsCeiling() {
        Backoff b = new Backoff();
        assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(1));
        for (int i = 0; i < 10; i++) {
            b.next();
        }
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(30));
    }
}
