package io.hookrelay.ingest.stream;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.event.EventFamily;
import io.hookrelay.schemas.AvroDecodingException;
import io.hookrelay.schemas.AvroEvents;
import io.hookrelay.schemas.DecodedEvent;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Turns the value of a record on {@code events.<family>} into event JSON for the validator: JSON
 * when the record says {@code content-type: application/json}, Avro single-object encoding
 * otherwise (contract §2). Says exactly what is wrong with bytes it cannot read.
 */
final class EventDecoder {

    /** Characters of a bad token that a parse error quotes; the validator quotes bad values the same way. */
    static final int MAX_QUOTED_TOKEN_CHARS = Json.MAX_QUOTED_TOKEN_CHARS;
    /** How the schemas module's message for an unknown writer schema begins (AvroEvents); a test pins it. */
    static final String UNKNOWN_FINGERPRINT = "unknown schema fingerprint";

    private EventDecoder() {
    }

    /**
     * @param topicFamily the family of the topic the record was produced to
     * @throws UnreadableEvent with the reason, worded for the {@code webhooks.error} header
     */
    static JsonNode decode(byte[] value, Headers headers, EventFamily topicFamily) throws UnreadableEvent {
        if (value == null) {
            throw new UnreadableEvent(RejectReason.NO_VALUE,
                    "the record has no value (a null value or tombstone is not an event)");
        }
        return isJson(headers) ? json(value) : avro(value, topicFamily);
    }

    /**
     * Header name and media type are compared ignoring case and parameters, as HTTP does, since
     * operators copy these from their HTTP clients: {@code Content-Type: application/json; charset=utf-8}
     * is JSON too.
     */
    static boolean isJson(Headers headers) {
        String contentType = null;
        for (Header h : headers) {
            if (h.key().equalsIgnoreCase(WireHeaders.CONTENT_TYPE) && h.value() != null) {
                contentType = new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return mediaType.trim().toLowerCase(Locale.ROOT).equals(WireHeaders.APPLICATION_JSON);
    }

    private static JsonNode json(byte[] value) throws UnreadableEvent {
        if (value.length == 0) {
            throw new UnreadableEvent(RejectReason.INVALID_JSON, "invalid JSON: the record is empty");
        }
        try {
            // The same strict reader as the HTTP API: UTF-8 only, one document, no duplicate keys.
            // Its messages leave out Jackson's source excerpt: the header and the log name the
            // problem and where it is, not the payload.
            return Json.strictTree(value);
        } catch (Json.MalformedJsonException e) {
            throw new UnreadableEvent(RejectReason.INVALID_JSON, "invalid JSON: " + e.detail());
        }
    }

    private static JsonNode avro(byte[] value, EventFamily topicFamily) throws UnreadableEvent {
        DecodedEvent decoded;
        try {
            decoded = AvroEvents.decode(value);
        } catch (AvroDecodingException e) {
            throw new UnreadableEvent(avroReason(value, e), e.getMessage());
        }
        if (!decoded.family().equals(topicFamily.wireName())) {
            throw new UnreadableEvent(RejectReason.WRONG_FAMILY, "an Avro " + decoded.family()
                    + " event cannot be produced to " + topicFamily.topic() + "; produce it to "
                    + EventFamily.ofWireName(decoded.family()).map(EventFamily::topic).orElse("its own family's topic"));
        }
        return decoded.json();
    }

    private static RejectReason avroReason(byte[] value, AvroDecodingException e) {
        if (!AvroEvents.isSingleObjectEncoded(value)) {
            return RejectReason.NOT_AVRO;
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        return message.startsWith(UNKNOWN_FINGERPRINT) ? RejectReason.UNKNOWN_SCHEMA : RejectReason.INVALID_AVRO;
    }

    /** A record whose value is not an event in either accepted encoding. Retrying cannot help. */
    static final class UnreadableEvent extends Exception {

        private static final long serialVersionUID = 1L;
        private final RejectReason reason;

        UnreadableEvent(RejectReason reason, String message) {
            super(message);
            this.reason = reason;
        }

        RejectReason reason() {
            return reason;
        }
    }
}
