package io.hookrelay.ingest.stream;

import java.nio.charset.StandardCharsets;

import io.hookrelay.contract.WireHeaders;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The {@code events.rejected} record for a record the screen refused (contract §2): the key, value
 * and headers as received, plus {@code webhooks.error} and where the record came from.
 */
final class Rejection {

    /** Longest {@code webhooks.error} text, in characters; an event with hundreds of bad fields says so in short. */
    static final int MAX_REASON_CHARS = 4000;

    /**
     * Bytes the producer counts beyond key, value and header bytes: the batch header (61), the
     * record's own fields (at most 21) and two length varints per header (at most 10), rounded up.
     */
    private static final int RECORD_OVERHEAD_BYTES = 128;
    private static final int HEADER_OVERHEAD_BYTES = 10;

    private Rejection() {
    }

    /**
     * @param maxRecordBytes the producer's max.request.size. A record close to the limit no longer
     *     fits once the rejection headers are added; under exactly-once the failed send would abort
     *     the transaction and the record would be replayed into the same failure forever. So such a
     *     rejection leaves the value out and says where to find it instead.
     */
    static Record<byte[], Verdict> of(Record<byte[], byte[]> original, RecordMetadata source, String reason,
                                       int maxRecordBytes) {
        byte[] value = original.value();
        Headers headers = headers(original.headers(), source, shorten(reason));
        if (value != null && estimatedSize(original.key(), value, headers) > maxRecordBytes) {
            headers = headers(original.headers(), source, shorten(reason) + "; the original value ("
                    + value.length + " bytes) is left out of this record, which would otherwise exceed "
                    + maxRecordBytes + " bytes (max.request.size): read it from " + source.topic() + " partition "
                    + source.partition() + " offset " + source.offset());
            value = null;
        }
        return original.withValue(Verdict.reject(value)).withHeaders(headers);
    }

    /** The reason, cut to {@link #MAX_REASON_CHARS}. */
    static String shorten(String reason) {
        if (reason.length() <= MAX_REASON_CHARS) {
            return reason;
        }
        return reason.substring(0, MAX_REASON_CHARS) + "... (" + (reason.length() - MAX_REASON_CHARS)
                + " more characters)";
    }

    private static Headers headers(Headers received, RecordMetadata source, String reason) {
        // A copy: the received headers belong to the input record, which Streams may still hold.
        Headers out = new RecordHeaders(received.toArray());
        // An operator re-producing a rejected record after fixing it must not get the old verdict back.
        for (String name : new String[] {WireHeaders.ERROR, WireHeaders.ORIGINAL_TOPIC,
                WireHeaders.ORIGINAL_PARTITION, WireHeaders.ORIGINAL_OFFSET}) {
            out.remove(name);
        }
        out.add(WireHeaders.ERROR, utf8(reason));
        out.add(WireHeaders.ORIGINAL_TOPIC, utf8(source.topic()));
        out.add(WireHeaders.ORIGINAL_PARTITION, utf8(Integer.toString(source.partition())));
        out.add(WireHeaders.ORIGINAL_OFFSET, utf8(Long.toString(source.offset())));
        return out;
    }

    private static long estimatedSize(byte[] key, byte[] value, Headers headers) {
        long size = RECORD_OVERHEAD_BYTES + (key == null ? 0 : key.length) + value.length;
        for (Header h : headers) {
            size += HEADER_OVERHEAD_BYTES + utf8(h.key()).length + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
