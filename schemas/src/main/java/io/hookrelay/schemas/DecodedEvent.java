package io.hookrelay.schemas;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An Avro event decoded to canonical contract JSON, with the family it belongs to.
 *
 * @param family one of {@link AvroEvents#families()}: "conversion", "kyc", "chargeback",
 *     "commission", "affiliate"
 * @param json the event with the schema's snake_case field names, {@code occurred_at} as an
 *     ISO-8601 UTC string, optional fields that are null left out
 */
public record DecodedEvent(String family, ObjectNode json) {
}
