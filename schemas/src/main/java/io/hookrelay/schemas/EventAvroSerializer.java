package io.hookrelay.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing the five event records in Avro single-object encoding: the marker
 * 0xC3 0x01, the 8-byte little-endian CRC-64-AVRO fingerprint of the record's schema, then the
 * Avro binary body. No schema registry is involved: readers know every published schema.
 */
public final class EventAvroSerializer implements Serializer<SpecificRecord> {

    /** Record full name to its encoder; the encoders are thread-safe. */
    private final Map<String, BinaryMessageEncoder<SpecificRecord>> encoders = new HashMap<>();

    public EventAvroSerializer() {
        for (String family : AvroEvents.families()) {
            Schema schema = AvroEvents.currentSchema(family);
            encoders.put(schema.getFullName(),
                    new BinaryMessageEncoder<>(SpecificData.getForSchema(schema), schema));
        }
    }

    @Override
    public byte[] serialize(String topic, SpecificRecord data) {
        if (data == null) {
            return null;
        }
        String name = data.getSchema().getFullName();
        BinaryMessageEncoder<SpecificRecord> encoder = encoders.get(name);
        if (encoder == null) {
            throw new SerializationException("cannot serialize " + name + " for topic " + topic
                    + ": not one of the event records " + AvroEvents.recordNames());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try {
            encoder.encode(data, out);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot serialize " + data.getSchema().getName()
                    + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
