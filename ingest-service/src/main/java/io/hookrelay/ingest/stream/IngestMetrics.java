package io.hookrelay.ingest.stream;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * The app's own counters, registered with Kafka Streams so they appear in
 * {@code KafkaStreams.metrics()} beside the built-in ones: group {@code stream-hookrelay-ingest-metrics},
 * names {@code events-rejected-total} / {@code -rate} and {@code duplicates-dropped-total} / {@code -rate},
 * one series per stream thread.
 */
final class IngestMetrics {

    static final String GROUP = "stream-hookrelay-ingest-metrics";
    static final String REJECTED_TOTAL = "events-rejected-total";
    static final String DUPLICATES_TOTAL = "duplicates-dropped-total";

    private static final String SCOPE = "hookrelay-ingest";

    private IngestMetrics() {
    }

    /** Records refused by the screen. The sensor is per thread, shared by the thread's tasks. */
    static Sensor rejections(ProcessingContext context) {
        return context.metrics().addRateTotalSensor(SCOPE, "screen", "events-rejected", Sensor.RecordingLevel.INFO);
    }

    /** Events dropped as repeats of one seen within the dedupe window. */
    static Sensor duplicates(ProcessingContext context) {
        return context.metrics().addRateTotalSensor(SCOPE, "dedupe", "duplicates-dropped", Sensor.RecordingLevel.INFO);
    }
}
