package io.hookrelay.ingest.stream;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.ProcessingContext;

/**
 * The app's own counters, registered with Kafka Streams so they appear in
 * {@code KafkaStreams.metrics()} beside the built-in ones: group {@code stream-hookrelay-ingest-metrics},
 * names {@code events-rejected-total} / {@code -rate} and {@code duplicates-dropped-total} / {@code -rate},
 * one series per stream thread. Rejections by reason are counted in the service's own registry as
 * well ({@link Rejections}).
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

    /**
     * {@code hookrelay_ingest_rejected_total{source="stream",reason}}: records the screen refused, by
     * {@link RejectReason}. The same family as the HTTP API's refusals ({@code source="http"},
     * counted by the events endpoint). Under exactly-once, a record replayed after a crash can be
     * counted twice; the topic {@code events.rejected} is the exact record.
     */
    static final class Rejections {

        private final Map<RejectReason, Counter> counters = new EnumMap<>(RejectReason.class);

        Rejections(MeterRegistry registry) {
            // Registered up front, so every series shows at 0 rather than appearing on the first rejection.
            for (RejectReason r : RejectReason.values()) {
                counters.put(r, Counter.builder("hookrelay.ingest.rejected")
                        .description("Input refused by ingest, by where it came in and why")
                        .tag("source", "stream")
                        .tag("reason", r.wire())
                        .register(registry));
            }
        }

        void count(RejectReason reason) {
            counters.get(reason).increment();
        }
    }
}
