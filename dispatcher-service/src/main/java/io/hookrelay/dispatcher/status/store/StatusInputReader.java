package io.hookrelay.dispatcher.status.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.InvalidDeliveryException;
import io.hookrelay.kafka.KeyPartitions;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the two input topics into {@link StatusInput}s keyed by subscription id, each marked with
 * whether it already sits in its subscription id's partition ({@link KeyPartitions}). Records that cannot be read are skipped: they are someone else's poison input
 * (the attempt writer or the dead-letter writer made them), and the status log is a view, never
 * the place a delivery's fate is decided.
 */
final class StatusInputReader {

    private static final Logger log = LoggerFactory.getLogger(StatusInputReader.class);

    private StatusInputReader() {
    }

    /** An input and whether the record it came from is in its subscription id's partition, so the status task that read it keeps it. */
    record Placed(StatusInput input, boolean inPlace) {
    }

    private static Record<String, Placed> placed(ProcessorContext<?, ?> context, int partitions, String subscriptionId,
                                                 StatusInput input, long timestamp) {
        // Always present: these processors read straight from their source topics.
        int partition = context.recordMetadata().orElseThrow().partition();
        return new Record<>(subscriptionId, new Placed(input, partition == KeyPartitions.of(subscriptionId, partitions)),
                timestamp);
    }

    /** {@code webhooks.attempts} (key: webhook id) to inputs keyed by subscription id. */
    static final class Attempts implements Processor<String, byte[], String, Placed> {
        private final int partitions;
        private ProcessorContext<String, Placed> context;

        Attempts(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public void init(ProcessorContext<String, Placed> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> r) {
            AttemptRecord a = null;
            String problem;
            try {
                a = r.value() == null ? null : AttemptRecord.fromJson(r.value());
                problem = a == null ? "a tombstone"
                        : a.subscriptionId() == null || a.webhookId() == null || a.operatorId() == null ? "no ids"
                        : a.outcome() == null ? "no outcome" : null;
            } catch (IOException | RuntimeException e) {
                problem = "not an attempt record: " + e.getMessage();
            }
            if (problem != null) {
                // One line per record: an unreadable attempt record is a bug in its writer, worth seeing.
                log.warn("Status log skips an unreadable attempt record at {}: {}", where(context), problem);
                return;
            }
            context.forward(placed(context, partitions, a.subscriptionId(), StatusInput.of(a), r.timestamp()));
        }
    }

    /** {@code webhooks.dlq} (key: subscription id) to inputs; letters of reason {@code invalid} have no delivery to show. */
    static final class DeadLetters implements Processor<String, byte[], String, Placed> {
        private final int partitions;
        private ProcessorContext<String, Placed> context;

        DeadLetters(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public void init(ProcessorContext<String, Placed> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> r) {
            String reason = header(r, WireHeaders.DEAD_REASON);
            if (reason == null || reason.equals(DeadReason.INVALID.wire())) {
                return;
            }
            Delivery d;
            try {
                d = Delivery.fromJson(r.value());
            } catch (InvalidDeliveryException e) {
                log.debug("Status log skips a dead letter at {}: {}", where(context), e.getMessage());
                return;
            }
            String lastError = header(r, WireHeaders.LAST_ERROR);
            StatusInput.DeadLetter letter = new StatusInput.DeadLetter(d.webhookId(), d.subscriptionId(),
                    d.operatorId(), d.eventId(), d.eventType(), d.attempt(), d.firstAttemptAt(), r.timestamp(), reason,
                    parseStatus(header(r, WireHeaders.LAST_STATUS)), lastError == null || lastError.isEmpty() ? null : lastError,
                    d.eventPosition());
            context.forward(placed(context, partitions, d.subscriptionId(), StatusInput.of(letter), r.timestamp()));
        }
    }

    private static int parseStatus(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String header(Record<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String where(ProcessorContext<?, ?> context) {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse("?");
    }
}
