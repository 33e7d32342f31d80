package io.hookrelay.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer reading any of the five event families in Avro single-object encoding,
 * written with the current or any historic schema, into the current generated class (fields a
 * writer did not know get their defaults). Bad bytes throw {@link AvroDecodingException}, a
 * {@link org.apache.kafka.common.errors.SerializationException} whose message says what was wrong.
 */
public final class EventAvroDeserializer implements Deserializer<SpecificRecord> {

    @Override
    public SpecificRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        return AvroEvents.decodeRecord(data);
    }
}
