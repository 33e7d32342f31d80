package io.hookrelay.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The Avro schemas of the five event families, current and historic, and the decoding of
 * single-object encoded events into the current generated classes or into canonical contract JSON.
 *
 * <p>Every published version of each schema is a resource under
 * {@code io/hookrelay/schemas/history/<RecordName>.v<N>.avsc}; the highest N is the current schema
 * (see schemas/README.md for the evolution rule). A record written with any of them is read with the
 * current schema, so fields its writer did not know get their defaults.
 */
public final class AvroEvents {

    /** Avro single-object encoding: 2-byte marker, 8-byte little-endian CRC-64-AVRO fingerprint. */
    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;
    private static final int HEADER_LENGTH = 10;

    private static final String HISTORY_DIR = "/io/hookrelay/schemas/history/";

    /** Family to current schema, in the contract's order. */
    private static final Map<String, Schema> CURRENT = new LinkedHashMap<>();
    /** Family to every published schema, v1 first. */
    private static final Map<String, List<Schema>> HISTORY = new LinkedHashMap<>();
    /** Family to a decoder whose reader schema is the family's current one. Thread-safe. */
    private static final Map<String, BinaryMessageDecoder<SpecificRecord>> DECODERS = new LinkedHashMap<>();
    /** Writer schemas by fingerprint: the current and historic schemas of all families. */
    private static final SchemaStore.Cache WRITERS = new SchemaStore.Cache();
    private static final int KNOWN_WRITER_COUNT;

    static {
        List<Schema> current = List.of(ConversionEvent.getClassSchema(), KycEvent.getClassSchema(),
                ChargebackEvent.getClassSchema(), CommissionEvent.getClassSchema(), AffiliateEvent.getClassSchema());
        Set<Long> fingerprints = new HashSet<>();
        for (Schema schema : current) {
            String family = familyOf(schema);
            CURRENT.put(family, schema);
            List<Schema> history = loadHistory(schema);
            HISTORY.put(family, history);
            for (Schema writer : history) {
                WRITERS.addSchema(writer);
                fingerprints.add(SchemaNormalization.parsingFingerprint64(writer));
            }
            WRITERS.addSchema(schema);
            fingerprints.add(SchemaNormalization.parsingFingerprint64(schema));
        }
        for (Map.Entry<String, Schema> e : CURRENT.entrySet()) {
            DECODERS.put(e.getKey(),
                    new BinaryMessageDecoder<>(SpecificData.getForSchema(e.getValue()), e.getValue(), WRITERS));
        }
        KNOWN_WRITER_COUNT = fingerprints.size();
    }

    private AvroEvents() {
    }

    /** True when the bytes start with the Avro single-object encoding marker 0xC3 0x01. */
    public static boolean isSingleObjectEncoded(byte[] bytes) {
        return bytes != null && bytes.length >= 2 && bytes[0] == MARKER_0 && bytes[1] == MARKER_1;
    }

    /**
     * Decodes an event to canonical contract JSON.
     *
     * @throws AvroDecodingException when the bytes are not a single-object encoded event of a known
     *     schema, or are cut short
     */
    public static DecodedEvent decode(byte[] bytes) {
        SpecificRecord record = decodeRecord(bytes);
        return new DecodedEvent(familyOf(record.getSchema()), toJson(record));
    }

    /** The current schema of a family, one of {@link #families()}. */
    public static Schema currentSchema(String family) {
        Schema schema = CURRENT.get(family);
        if (schema == null) {
            throw new IllegalArgumentException("unknown event family '" + family + "', expected one of " + families());
        }
        return schema;
    }

    /** "conversion", "kyc", "chargeback", "commission", "affiliate", in that order. */
    public static Set<String> families() {
        return Collections.unmodifiableSet(CURRENT.keySet());
    }

    /** Every published schema of a family, v1 first; the last one is the current schema. */
    static List<Schema> history(String family) {
        currentSchema(family);
        return HISTORY.get(family);
    }

    /** The record names of the five families, for messages. */
    static List<String> recordNames() {
        return CURRENT.values().stream().map(Schema::getName).toList();
    }

    /** Reads an event written with any known schema into the current generated class. */
    static SpecificRecord decodeRecord(byte[] bytes) {
        Schema writer = writerSchema(bytes);
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        SpecificRecord record;
        try {
            record = DECODERS.get(familyOf(writer)).decode(in, null);
        } catch (IOException | RuntimeException e) {
            if (causedByEof(e)) {
                throw new AvroDecodingException("truncated record: the " + writer.getName()
                        + " body ends before all its fields were read (" + bytes.length + " bytes in total)", e);
            }
            throw new AvroDecodingException("corrupt " + writer.getName() + " body: " + e.getMessage(), e);
        }
        // A direct binary decoder reads no further than the datum, so anything left is not part of it.
        if (in.available() > 0) {
            throw new AvroDecodingException("corrupt record: " + in.available() + " bytes left over after the "
                    + writer.getName() + " body (" + bytes.length + " bytes in total)");
        }
        return record;
    }

    private static Schema writerSchema(byte[] bytes) {
        if (bytes.length < 2) {
            throw new AvroDecodingException("not Avro single-object encoding: the record is " + bytes.length
                    + " byte(s) long, expected the marker 0xc3 0x01, an 8-byte schema fingerprint and a body");
        }
        if (!isSingleObjectEncoded(bytes)) {
            String hint = bytes[0] == '{' || bytes[0] == '['
                    ? " (this looks like JSON; JSON events need the header content-type: application/json)"
                    : "";
            throw new AvroDecodingException(String.format(Locale.ROOT,
                    "not Avro single-object encoding: first two bytes are 0x%02x 0x%02x, expected 0xc3 0x01%s",
                    bytes[0] & 0xff, bytes[1] & 0xff, hint));
        }
        if (bytes.length < HEADER_LENGTH) {
            throw new AvroDecodingException("truncated record: " + bytes.length
                    + " bytes, shorter than the 2-byte marker and 8-byte schema fingerprint");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = WRITERS.findByFingerprint(fingerprint);
        if (writer == null) {
            throw new AvroDecodingException(String.format(Locale.ROOT,
                    "unknown schema fingerprint 0x%016x (not one of the %d known event schemas;"
                            + " written with a newer schemas module than this reader has, or not a Hookrelay event)",
                    fingerprint, KNOWN_WRITER_COUNT));
        }
        return writer;
    }

    private static boolean causedByEof(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    /** "ConversionEvent" is "conversion": the record name less its "Event" suffix. */
    private static String familyOf(Schema schema) {
        String name = schema.getName();
        return name.substring(0, name.length() - "Event".length()).toLowerCase(Locale.ROOT);
    }

    /** Loads v1, v2, ... until the next version is missing. */
    private static List<Schema> loadHistory(Schema current) {
        List<Schema> versions = new ArrayList<>();
        for (int version = 1; ; version++) {
            String resource = HISTORY_DIR + current.getName() + ".v" + version + ".avsc";
            try (InputStream in = AvroEvents.class.getResourceAsStream(resource)) {
                if (in == null) {
                    break;
                }
                // One parser per file: versions of a schema share its name, which a parser defines once.
                Schema schema = new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (!schema.getFullName().equals(current.getFullName())) {
                    throw new IllegalStateException(resource + " defines " + schema.getFullName()
                            + ", expected " + current.getFullName());
                }
                versions.add(schema);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        if (versions.isEmpty()) {
            throw new IllegalStateException("no published version of " + current.getName() + ": expected "
                    + HISTORY_DIR + current.getName() + ".v1.avsc on the classpath");
        }
        return List.copyOf(versions);
    }

    private static ObjectNode toJson(SpecificRecord record) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value != null) {
                json.set(field.name(), toJson(value));
            }
        }
        return json;
    }

    private static JsonNode toJson(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value instanceof CharSequence text) {
            return nodes.textNode(text.toString());
        } else if (value instanceof Instant instant) {
            return nodes.textNode(instant.toString());
        } else if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        } else if (value instanceof Integer number) {
            return nodes.numberNode(number);
        } else if (value instanceof Long number) {
            return nodes.numberNode(number);
        } else if (value instanceof Map<?, ?> map) {
            ObjectNode object = nodes.objectNode();
            map.forEach((key, entry) -> object.set(key.toString(), toJson(entry)));
            return object;
        }
        // The five schemas use only the types above; a new type in a schema needs a case here.
        throw new IllegalStateException("no JSON rendering for Avro value of type " + value.getClass().getName());
    }
}
