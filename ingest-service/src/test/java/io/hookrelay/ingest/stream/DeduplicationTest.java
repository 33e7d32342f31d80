package io.hookrelay.ingest.stream;

import static io.hookrelay.ingest.stream.IngestHarness.copiesOf;
import static io.hookrelay.ingest.stream.IngestHarness.json;
import static io.hookrelay.ingest.stream.SampleEvents.bytes;
import static io.hookrelay.ingest.stream.SampleEvents.conversionAvro;
import static io.hookrelay.ingest.stream.SampleEvents.conversionJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deduplication on (operator_id, event_id) with a 2 s window on a clock that only the tests move.
 * Copies keyed by the ordering key, as the contract says, are deduplicated where they are read;
 * copies under other keys, in other partitions, are re-keyed by the ordering key to meet them.
 */
class DeduplicationTest {

    private static final String JSON = "application/json";

    @TempDir
    static Path dataDir;
    static IngestHarness harness;

    @BeforeAll
    static void start() {
        harness = IngestHarness.start(dataDir, "WEBHOOKS_DEDUPE_WINDOW", "2s");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void acceptsSecondCopyOfAnEventOnceEvenUnderAnotherKeyAndEncoding() {
        double droppedBefore = harness.metric(IngestMetrics.DUPLICATES_TOTAL);
        harness.produce(Topics.EVENTS_CONVERSION, 0, "key-a", bytes(conversionJson("op-1", "dup-1")),
                WireHeaders.CONTENT_TYPE, JSON);
        // The same event id again, as Avro with other content: still a copy, and the first one wins.
        harness.produce(Topics.EVENTS_CONVERSION, 1, "key-b", bytes(conversionAvro("op-1", "dup-1").build()));

        List<ConsumerRecord<String, byte[]>> accepted = readAfterMarker("op-1", "dup-1", 1);

        List<ConsumerRecord<String, byte[]>> copies = copiesOf(accepted, "op-1", "dup-1");
        assertThat(copies).hasSize(1);
        assertThat(json(copies.get(0).value()).get("event_type").asText()).isEqualTo("conversion.ftd");
        assertThat(harness.metric(IngestMetrics.DUPLICATES_TOTAL)).isEqualTo(droppedBefore + 1);
    }

    @Test
    void copiesKeyedByTheOrderingKeyAreDeduplicatedWithoutARepartition() {
        double droppedBefore = harness.metric(IngestMetrics.DUPLICATES_TOTAL);
        RecordMetadata first = harness.produceKeyed(Topics.EVENTS_CONVERSION, "p-keyed-1",
                bytes(conversionJson("op-1", "keyed-1")), WireHeaders.CONTENT_TYPE, JSON);
        harness.produceKeyed(Topics.EVENTS_CONVERSION, "p-keyed-1", bytes(conversionJson("op-1", "keyed-1")),
                WireHeaders.CONTENT_TYPE, JSON);
        assertThat(first.partition()).isEqualTo(IngestHarness.dedupePartition("keyed-1"));

        List<ConsumerRecord<String, byte[]>> copies = copiesOf(readAfterMarker("op-1", "keyed-1", first.partition()),
                "op-1", "keyed-1");

        assertThat(copies).hasSize(1);
        assertThat(copies.get(0).key()).isEqualTo("p-keyed-1");
        assertThat(harness.metric(IngestMetrics.DUPLICATES_TOTAL)).isEqualTo(droppedBefore + 1);
        assertThat(copiesOf(repartitioned(), "op-1", "keyed-1")).as("records of keyed-1 on the repartition topic").isEmpty();
    }

    @Test
    void aRecordKeyedOtherwiseIsReKeyedByItsOrderingKeyAndMeetsItsCopies() {
        double droppedBefore = harness.metric(IngestMetrics.DUPLICATES_TOTAL);
        int home = IngestHarness.dedupePartition("rekeyed-1");
        harness.produceKeyed(Topics.EVENTS_CONVERSION, "p-rekeyed-1", bytes(conversionJson("op-1", "rekeyed-1")),
                WireHeaders.CONTENT_TYPE, JSON);
        // The same event without a key, in the other partition: a producer that ignored the contract's key.
        harness.produce(Topics.EVENTS_CONVERSION, 1 - home, null, bytes(conversionJson("op-1", "rekeyed-1")),
                WireHeaders.CONTENT_TYPE, JSON);

        List<ConsumerRecord<String, byte[]>> copies = copiesOf(readAfterMarker("op-1", "rekeyed-1", 1 - home),
                "op-1", "rekeyed-1");

        assertThat(copies).hasSize(1);
        assertThat(copies.get(0).key()).isEqualTo("p-rekeyed-1");
        assertThat(copies.get(0).partition()).isEqualTo(home);
        assertThat(harness.metric(IngestMetrics.DUPLICATES_TOTAL)).isEqualTo(droppedBefore + 1);
        // Only the unkeyed copy took the repartition, re-keyed, to the ordering key's partition.
        List<ConsumerRecord<String, byte[]>> rekeyed = copiesOf(repartitioned(), "op-1", "rekeyed-1");
        assertThat(rekeyed).hasSize(1);
        assertThat(rekeyed.get(0).key()).isEqualTo("p-rekeyed-1");
        assertThat(rekeyed.get(0).partition()).isEqualTo(home);
    }

    /** What is on the app's repartition topic (committed records). */
    private static List<ConsumerRecord<String, byte[]>> repartitioned() {
        return harness.client.readUntil(IngestStreamsApp.APPLICATION_ID + "-dedupe-key-repartition", l -> false,
                Duration.ofMillis(500));
    }

    @Test
    void acceptsSameEventIdFromAnotherOperator() {
        harness.produce(Topics.EVENTS_CONVERSION, 0, "k", bytes(conversionJson("op-1", "shared-id")),
                WireHeaders.CONTENT_TYPE, JSON);
        harness.produce(Topics.EVENTS_CONVERSION, 1, "k", bytes(conversionJson("op-2", "shared-id")),
                WireHeaders.CONTENT_TYPE, JSON);

        List<ConsumerRecord<String, byte[]>> accepted = harness.readAcceptedUntil(r ->
                copiesOf(r, "op-1", "shared-id").size() == 1 && copiesOf(r, "op-2", "shared-id").size() == 1);

        assertThat(copiesOf(accepted, "op-1", "shared-id")).hasSize(1);
        assertThat(copiesOf(accepted, "op-2", "shared-id")).hasSize(1);
    }

    @Test
    void acceptsCopyAgainOnceDedupeWindowHasPassedSinceFirstCopy() {
        harness.produce(Topics.EVENTS_CONVERSION, 0, "k", bytes(conversionJson("op-1", "expiring")),
                WireHeaders.CONTENT_TYPE, JSON);
        assertThat(copiesOf(harness.readAcceptedUntilCopies("op-1", "expiring", 1), "op-1", "expiring")).hasSize(1);

        harness.clock.advance(Duration.ofMillis(1500));
        harness.produce(Topics.EVENTS_CONVERSION, 1, "k", bytes(conversionJson("op-1", "expiring")),
                WireHeaders.CONTENT_TYPE, JSON);
        assertThat(copiesOf(readAfterMarker("op-1", "expiring", 1), "op-1", "expiring"))
                .as("1.5 s after the first copy: within the 2 s window").hasSize(1);

        harness.clock.advance(Duration.ofMillis(1000));
        harness.produce(Topics.EVENTS_CONVERSION, 0, "k", bytes(conversionJson("op-1", "expiring")),
                WireHeaders.CONTENT_TYPE, JSON);
        assertThat(copiesOf(harness.readAcceptedUntilCopies("op-1", "expiring", 2), "op-1", "expiring"))
                .as("2.5 s after the first copy: the window has passed").hasSize(2);
    }

    @Test
    void remembersSeenEventsAcrossAppRestart() {
        harness.produce(Topics.EVENTS_CONVERSION, 0, "k", bytes(conversionJson("op-1", "before-restart")),
                WireHeaders.CONTENT_TYPE, JSON);
        harness.readAcceptedUntilCopies("op-1", "before-restart", 1);

        harness.app().close();
        assertThat(harness.app().isRunning()).isFalse();
        harness.startApp();
        harness.produce(Topics.EVENTS_CONVERSION, 1, "k", bytes(conversionJson("op-1", "before-restart")),
                WireHeaders.CONTENT_TYPE, JSON);

        assertThat(copiesOf(readAfterMarker("op-1", "before-restart", 1), "op-1", "before-restart")).hasSize(1);
        assertThat(harness.metric(IngestMetrics.DUPLICATES_TOTAL)).isEqualTo(1);
    }

    /**
     * Produces a marker event behind the copy just sent to {@code partition} and reads
     * webhooks.accepted until the marker is there; by then the copy has been deduplicated, so what
     * is on the topic for it is final.
     */
    private static List<ConsumerRecord<String, byte[]>> readAfterMarker(String operatorId, String eventId, int partition) {
        String marker = IngestHarness.markerAfter(operatorId, eventId);
        harness.produce(Topics.EVENTS_CONVERSION, partition, "marker", bytes(conversionJson(operatorId, marker)),
                WireHeaders.CONTENT_TYPE, JSON);
        List<ConsumerRecord<String, byte[]>> accepted = harness.readAcceptedUntilCopies(operatorId, marker, 1);
        assertThat(copiesOf(accepted, operatorId, marker)).as("marker %s", marker).hasSize(1);
        return accepted;
    }
}
