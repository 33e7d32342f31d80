package io.hookrelay.schemas;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that are not a readable Hookrelay event in Avro single-object encoding. The message says
 * what was wrong with them, for the rejection headers an operator reads.
 *
 * <p>It is a Kafka {@link SerializationException}, so the same exception serves
 * {@link AvroEvents#decode(byte[])} and {@link EventAvroDeserializer}. Retrying cannot help: the
 * bytes stay what they are.
 */
public class AvroDecodingException extends SerializationException {

    private static final long serialVersionUID = 1L;

    public AvroDecodingException(String message) {
        super(message);
    }

    public AvroDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
