package io.hookrelay.ingest.stream;

import java.nio.charset.StandardCharsets;
import java.time.Clock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.event.EventFamily;
import io.hookrelay.event.EventFields;
import io.hookrelay.event.EventValidator;
import io.hookrelay.event.ValidationResult;
import io.hookrelay.kafka.KeyPartitions;
import io.hookrelay.logging.LogLine;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, record by record, whether what an operator produced to {@code events.<family>} is an
 * event the contract accepts. The one place where poison input is handled (a record that cannot be
 * read, or reads as an invalid event, is rejected here and never thrown), so a bad record costs
 * one rejection and the next record flows.
 *
 * <p>Accepted records leave keyed by their {@link OrderingKey} (UTF-8), with a {@link Verdict}
 * holding the canonical JSON, the {@link DedupeKey} and whether the record is already in its
 * ordering key's partition, and {@code content-type: application/json} as their only header; the
 * operator's headers stay behind so that nothing the contract does not name reaches subscribers.
 * Rejected records leave as {@link Rejection} builds them.
 */
final class EventScreen implements Processor<byte[], byte[], byte[], Verdict> {

    private static final Logger log = LoggerFactory.getLogger(EventScreen.class);

    private final EventValidator validator;
    private final int maxRecordBytes;
    private final int partitions;
    private final IngestMetrics.Rejections rejectionsByReason;
    private ProcessorContext<byte[], Verdict> context;
    private Sensor rejections;

    /** @param partitions how many partitions ordering keys map to (the app's repartition topic's, {@code WEBHOOKS_PARTITIONS}) */
    EventScreen(int maxRecordBytes, int partitions, IngestMetrics.Rejections rejectionsByReason, Clock clock) {
        this.validator = new EventValidator(clock);
        this.partitions = partitions;
        this.maxRecordBytes = maxRecordBytes;
        this.rejectionsByReason = rejectionsByReason;
    }

    @Override
    public void init(ProcessorContext<byte[], Verdict> context) {
        this.context = context;
        this.rejections = IngestMetrics.rejections(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        // Always present: every record here comes straight from a source topic.
        RecordMetadata source = context.recordMetadata().orElseThrow();
        ValidationResult result;
        try {
            EventFamily family = EventFamily.ofTopic(source.topic()).orElseThrow(() ->
                    new IllegalStateException("no event family for topic " + source.topic()));
            JsonNode event = EventDecoder.decode(record.value(), record.headers(), family);
            result = validator.validate(event, family);
        } catch (EventDecoder.UnreadableEvent e) {
            reject(record, source, e.reason(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            // A bug met by one odd record must not stop every record behind it: reject it, loudly.
            log.error("Unexpected error screening record topic={} partition={} offset={}; rejecting it",
                    source.topic(), source.partition(), source.offset(), e);
            reject(record, source, RejectReason.INTERNAL, "could not be processed: " + e);
            return;
        }
        if (result.valid()) {
            accept(record, source, result.canonical());
        } else {
            reject(record, source, RejectReason.INVALID_FIELD, result.summary());
        }
    }

    private void accept(Record<byte[], byte[]> record, RecordMetadata source, ObjectNode canonical) {
        String dedupeKey = DedupeKey.of(canonical.get(EventFields.OPERATOR_ID).textValue(),
                canonical.get(EventFields.EVENT_ID).textValue());
        String orderingKey = OrderingKey.of(canonical);
        boolean inPlace = source.partition() == KeyPartitions.of(orderingKey, partitions);
        RecordHeaders headers = new RecordHeaders();
        headers.add(WireHeaders.CONTENT_TYPE, WireHeaders.APPLICATION_JSON.getBytes(StandardCharsets.UTF_8));
        context.forward(record.withKey(orderingKey.getBytes(StandardCharsets.UTF_8))
                .withValue(Verdict.accept(Json.bytes(canonical), dedupeKey, inPlace)).withHeaders(headers));
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata source, RejectReason category, String reason) {
        Record<byte[], Verdict> rejection = Rejection.of(record, source, reason, maxRecordBytes);
        rejections.record();
        rejectionsByReason.count(category);
        // Never the payload: it may hold data that does not belong in logs; the offset finds it. The
        // reason quotes at most a short token of a bad value (EventDecoder, EventValidator).
        log.warn("{}", LogLine.event("input.rejected").with("source", "stream").with("reason", category.wire())
                .with("topic", source.topic()).with("partition", source.partition()).with("offset", source.offset())
                .with("error", Rejection.shorten(reason)));
        context.forward(rejection);
    }
}
