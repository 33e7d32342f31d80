package io.hookrelay.dispatcher.status.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import io.hookrelay.contract.Json;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * How the status stores write their values, in RocksDB and on their changelog topics: one format
 * byte ({@link #V1}, {@link #V2}), then the value in Avro's binary encoding, written field by field
 * after the schema of that version beside the value's class ({@code delivery-status-v1.avsc},
 * {@code subscription-health-v2.avsc} in this package's resources; a test reads what we write with
 * them). Every changelog record of every attempt passes through here, and JSON made them three
 * times larger (a delivery's status ~600 B, a subscription's health ~2.4 KB of mostly empty buckets)
 * and was a third of the status app's CPU.
 *
 * <p>A value that starts with {@code '{'} is JSON, as versions before this one wrote them: those are
 * still read, so an upgrade keeps what the changelogs hold. So are the earlier versions of a value
 * whose schema grew: its reader gets the version the value was written with. Anything else (a
 * version newer than the one a value's class writes) is refused with the byte it starts with.
 */
final class StoreFormat {

    /** The first byte of a value in this format. JSON values start with {@code '{'} (0x7B). */
    static final byte V1 = 1;
    /** The first byte of a value whose schema's second version wrote it ({@code subscription-health-v2.avsc}). */
    static final byte V2 = 2;

    /** Writes a value's fields, in its schema's order. */
    interface FieldWriter<T> {
        void write(T value, Encoder out) throws IOException;
    }

    /** Reads a value's fields, in the order of the schema of {@code version}, the format byte it was written with. */
    interface FieldReader<T> {
        T read(Decoder in, byte version) throws IOException;
    }

    private StoreFormat() {
    }

    /** Writes {@code version}; reads it, every version before it and JSON. */
    static <T> Serde<T> serde(Class<T> type, byte version, FieldWriter<T> writer, FieldReader<T> reader) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : write(value, version, writer),
                (topic, bytes) -> bytes == null ? null : read(type, version, bytes, reader, topic));
    }

    private static <T> byte[] write(T value, byte version, FieldWriter<T> writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        bytes.write(version);
        // Direct: no buffer of its own to flush, the stream is the buffer. Not reused: the serde is
        // shared by every stream thread.
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            writer.write(value, out);
        } catch (IOException e) {
            throw new SerializationException("Cannot write a " + value.getClass().getSimpleName(), e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(Class<T> type, byte latest, byte[] bytes, FieldReader<T> reader, String topic) {
        if (bytes.length == 0) {
            throw new SerializationException("An empty " + type.getSimpleName() + " in " + topic);
        }
        try {
            if (bytes[0] >= V1 && bytes[0] <= latest) {
                BinaryDecoder in = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
                return reader.read(in, bytes[0]);
            }
            if (bytes[0] == '{') {
                return Json.MAPPER.readValue(bytes, type);
            }
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot read a " + type.getSimpleName() + " from " + topic, e);
        }
        throw new SerializationException("Cannot read a " + type.getSimpleName() + " from " + topic
                + ": unknown format byte 0x" + Integer.toHexString(bytes[0] & 0xff));
    }

    /** An Avro {@code ["null","string"]}. */
    static void writeNullable(Encoder out, String s) throws IOException {
        if (s == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeString(s);
        }
    }

    static String readNullableString(Decoder in) throws IOException {
        if (in.readIndex() == 0) {
            in.readNull();
            return null;
        }
        return in.readString();
    }

    /** An Avro {@code ["null","long"]}. */
    static void writeNullable(Encoder out, Long n) throws IOException {
        if (n == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeLong(n);
        }
    }

    static Long readNullableLong(Decoder in) throws IOException {
        if (in.readIndex() == 0) {
            in.readNull();
            return null;
        }
        return in.readLong();
    }
}
