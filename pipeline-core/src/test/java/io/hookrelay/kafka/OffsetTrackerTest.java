package io.hookrelay.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private static final TopicPartition P0 = new TopicPartition("webhooks.accepted", 0);
    private static final TopicPartition P1 = new TopicPartition("webhooks.accepted", 1);

    private final OffsetTracker tracker = new OffsetTracker();

    @Test
    void commitsOnlyPastTheContiguousCompletePrefix() {
        OffsetTracker.Pending r10 = tracker.track(P0, 10);
        OffsetTracker.Pending r11 = tracker.track(P0, 11);
        OffsetTracker.Pending r12 = tracker.track(P0, 12);

        r10.complete();
        r12.complete();
        assertThat(tracker.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(11)));

        r11.complete();
        assertThat(tracker.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(13)));
        assertThat(tracker.waiting()).isZero();
    }

    @Test
    void aRecordStuckAtTheHeadHoldsBackItsPartitionOnly() {
        tracker.track(P0, 0);
        tracker.track(P0, 1).complete();
        tracker.track(P1, 5).complete();

        assertThat(tracker.committable()).isEqualTo(Map.of(P1, new OffsetAndMetadata(6)));
        assertThat(tracker.waiting()).isEqualTo(2);
    }

    @Test
    void offersNothingNewOnceTheBrokerAcknowledgedTheCommit() {
        tracker.track(P0, 3).complete();
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();

        tracker.committed(offsets);

        assertThat(tracker.committable()).isEmpty();
    }

    @Test
    void forgottenPartitionsAreNeverCommitted() {
        OffsetTracker.Pending late = tracker.track(P0, 7);
        tracker.forget(List.of(P0));

        late.complete();

        assertThat(tracker.committable()).isEmpty();
    }
}
