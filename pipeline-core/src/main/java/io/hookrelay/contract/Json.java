package io.hookrelay.contract;

import java.io.CharArrayReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one Jackson mapper of the pipeline, configured for the contract's JSON (ISO-8601 times). */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // "{...}{...}" must not parse as the first object with the rest silently dropped.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Characters of a bad token that a parse error quotes: messages go to clients and logs, payloads do not. */
    public static final int MAX_QUOTED_TOKEN_CHARS = 40;

    private static final ObjectReader STRICT = strictReader();

    private Json() {
    }

    /**
     * Parses input from outside (an API request body, a record an operator produced) that must be
     * exactly one JSON document in UTF-8 (RFC 8259 §8.1): bytes that are not UTF-8 are refused
     * rather than replaced, no other encoding is guessed (Jackson would otherwise read a body
     * starting {@code {\0\0\0} as UTF-32), and trailing content and duplicate keys are refused,
     * since each would make two readers see two different documents.
     *
     * @throws MalformedJsonException saying what is wrong and where, without quoting more than
     *         {@value #MAX_QUOTED_TOKEN_CHARS} characters of the input
     */
    public static JsonNode strictTree(byte[] bytes) throws MalformedJsonException {
        CharBuffer chars = utf8(bytes);
        JsonNode tree;
        try {
            tree = STRICT.readTree(new CharArrayReader(chars.array(), 0, chars.limit()));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0 ? null : "line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new MalformedJsonException(NOT_JSON, where, e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("Reading JSON from memory failed", e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new MalformedJsonException(NOT_JSON, null, "there is no JSON document, only white space");
        }
        return tree;
    }

    private static CharBuffer utf8(byte[] bytes) throws MalformedJsonException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int offset = in.position();
            throw new MalformedJsonException(NOT_UTF8, "byte offset " + offset, String.format("the byte 0x%02X there"
                    + " is not part of a valid UTF-8 character (overlong forms, surrogates, code points beyond"
                    + " U+10FFFF and cut-short sequences are refused); JSON must be sent as UTF-8",
                    offset < bytes.length ? bytes[offset] & 0xff : 0));
        }
        out.flip();
        return out;
    }

    private static ObjectReader strictReader() {
        // A copy, so the shared mapper keeps its settings; Jackson quotes up to 256 characters of a bad token.
        ObjectMapper mapper = MAPPER.copy();
        mapper.getFactory().setErrorReportConfiguration(
                ErrorReportConfiguration.builder().maxErrorTokenLength(MAX_QUOTED_TOKEN_CHARS).build());
        return mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    private static final String NOT_JSON = "not valid JSON";
    private static final String NOT_UTF8 = "not valid UTF-8";

    /**
     * Input that is not one UTF-8 JSON document. The message reads after "the request body":
     * {@code is not valid UTF-8 at byte offset 12: the bytes 0xC0 0xAF are not...}.
     */
    public static final class MalformedJsonException extends Exception {

        private static final long serialVersionUID = 1L;
        private final String kind;
        private final String location;
        private final String problem;

        MalformedJsonException(String kind, String location, String problem) {
            super("is " + kind + (location == null ? "" : " at " + location) + ": " + problem);
            this.kind = kind;
            this.location = location;
            this.problem = problem;
        }

        /** The problem and where it is, for a reason that already says "invalid JSON". */
        public String detail() {
            String where = location == null ? "" : " at " + location;
            return kind.equals(NOT_JSON) ? problem + where : kind + where + ": " + problem;
        }
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write JSON for " + value.getClass().getSimpleName(), e);
        }
    }

    public static String string(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write JSON for " + value.getClass().getSimpleName(), e);
        }
    }

    /** Parses JSON; the exception says where the text stops being JSON. */
    public static JsonNode tree(byte[] bytes) throws IOException {
        return MAPPER.readTree(bytes);
    }
}
