package io.hookrelay.retry.service;

import java.nio.charset.StandardCharsets;

import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Topics;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.InvalidDeliveryException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one place that decides what a delay-topic record must be, and what becomes of one that is
 * not. A readable record holds a JSON delivery (the authority for the next attempt) and the
 * headers that identify and time it ({@code webhook-id}, {@code webhooks.due-at}). Anything else
 * goes to {@code webhooks.dlq} with reason {@code invalid}, its key, value and headers kept as they
 * were: retrying cannot make it readable, and dropping it would lose a delivery.
 */
final class TierRecords {

    private TierRecords() {
    }

    /**
     * The delivery a delay-topic record holds. Its due time is the later of the value's
     * {@code due_at} and the {@code webhooks.due-at} header: they agree when our own writer made
     * the record, and when they do not, the later one is the one that is never early.
     *
     * @throws InvalidDeliveryException naming the record and what is wrong with it
     */
    static Delivery read(ConsumerRecord<String, byte[]> r) {
        Delivery d = Delivery.read(r);
        if (text(r.headers(), WireHeaders.WEBHOOK_ID) == null) {
            throw invalid(r, "header " + WireHeaders.WEBHOOK_ID + " is missing");
        }
        String due = text(r.headers(), WireHeaders.DUE_AT);
        if (due == null) {
            throw invalid(r, "header " + WireHeaders.DUE_AT + " is missing");
        }
        long headerDueAt;
        try {
            headerDueAt = Long.parseLong(due.trim());
        } catch (NumberFormatException e) {
            throw invalid(r, "header " + WireHeaders.DUE_AT + " is '" + clip(due) + "', not epoch milliseconds");
        }
        if (headerDueAt <= d.dueAt()) {
            return d;
        }
        return d.withDueAt(headerDueAt);
    }

    /**
     * The dead letter of an unreadable record: its own key, value and headers, plus
     * {@code webhooks.dead-reason: invalid}, {@code webhooks.error} saying what is wrong, and
     * {@code webhooks.original-topic/-partition/-offset} saying where it came from (the same
     * headers {@code events.rejected} uses).
     */
    static ProducerRecord<String, byte[]> invalidLetter(ConsumerRecord<String, byte[]> r, String problem) {
        return new ProducerRecord<>(Topics.DLQ, null, r.key(), r.value(), invalidHeaders(r, problem));
    }

    /**
     * The dead letter of an unreadable record too large to copy with the added headers: everything
     * but the value, and an error that says where the original still is.
     */
    static ProducerRecord<String, byte[]> invalidLetterWithoutValue(ConsumerRecord<String, byte[]> r, String problem) {
        String where = r.topic() + "-" + r.partition() + "@" + r.offset();
        return new ProducerRecord<>(Topics.DLQ, null, r.key(), null, invalidHeaders(r,
                problem + "; the value (" + r.serializedValueSize() + " bytes) was too large to copy, it is still at "
                        + where + " until that topic's retention removes it"));
    }

    private static Headers invalidHeaders(ConsumerRecord<String, byte[]> r, String problem) {
        RecordHeaders h = new RecordHeaders();
        for (Header header : r.headers()) {
            h.add(header.key(), header.value());
        }
        // Added last, so that lastHeader() finds ours even if the original carried the same names.
        add(h, WireHeaders.DEAD_REASON, DeadReason.INVALID.wire());
        add(h, WireHeaders.ERROR, problem);
        add(h, WireHeaders.ORIGINAL_TOPIC, r.topic());
        add(h, WireHeaders.ORIGINAL_PARTITION, Integer.toString(r.partition()));
        add(h, WireHeaders.ORIGINAL_OFFSET, Long.toString(r.offset()));
        return h;
    }

    private static InvalidDeliveryException invalid(ConsumerRecord<String, byte[]> r, String problem) {
        return new InvalidDeliveryException("Record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                + " (key " + r.key() + "): " + problem, null);
    }

    private static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void add(Headers h, String name, String value) {
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
