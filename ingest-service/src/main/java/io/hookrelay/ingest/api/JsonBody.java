package io.hookrelay.ingest.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.hookrelay.contract.Json;
import io.hookrelay.http.ApiError;
import io.javalin.http.Context;

/**
 * Reads a request body as JSON: checks the content type, enforces a size limit without reading
 * more than the limit, and parses strictly (no trailing content, no duplicate keys), turning each
 * failure into the API's error answer.
 */
final class JsonBody {

    /** 1 MiB, the largest events body (contract §5). */
    static final int EVENTS_LIMIT = 1_048_576;
    /** A subscription is a few hundred bytes; 64 KiB leaves room for long filter lists. */
    static final int SUBSCRIPTION_LIMIT = 65_536;

    private static final ObjectReader STRICT = Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonBody() {
    }

    /**
     * The parsed body.
     *
     * @throws ApiError 415 for another content type, 413 over {@code limit} bytes, 400 {@code invalid_json}
     */
    static JsonNode read(Context ctx, int limit) {
        requireJson(ctx.header("Content-Type"));
        byte[] body = readBounded(ctx, limit);
        return parse(body);
    }

    static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new ApiError(415, ApiErrors.UNSUPPORTED_MEDIA_TYPE,
                    "The request has no Content-Type; send 'Content-Type: application/json'");
        }
        List<String> parts = Arrays.stream(contentType.split(";")).map(String::trim).toList();
        if (!parts.get(0).equalsIgnoreCase("application/json")) {
            throw new ApiError(415, ApiErrors.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + contentType + "' is not supported; send 'Content-Type: application/json'");
        }
        for (String p : parts.subList(1, parts.size())) {
            String param = p.toLowerCase(Locale.ROOT).replace(" ", "");
            // JSON on the wire is UTF-8 (RFC 8259 §8.1); any other declared charset would be misread.
            if (param.startsWith("charset=") && !param.equals("charset=utf-8") && !param.equals("charset=\"utf-8\"")) {
                throw new ApiError(415, ApiErrors.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type '" + contentType + "' declares a charset other than UTF-8; JSON must be sent as UTF-8");
            }
        }
    }

    private static byte[] readBounded(Context ctx, int limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw tooLarge("is " + declared + " bytes", limit);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            // One byte past the limit tells a body at the limit from one over it.
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw tooLarge("is larger than " + limit + " bytes", limit);
            }
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException("Reading the request body failed", e);
        }
    }

    private static ApiError tooLarge(String size, int limit) {
        return new ApiError(413, ApiErrors.PAYLOAD_TOO_LARGE, "The request body " + size + ", over the limit of "
                + limit + " bytes (" + describe(limit) + "); send fewer events per request");
    }

    private static String describe(int limit) {
        return limit % 1_048_576 == 0 ? limit / 1_048_576 + " MiB" : limit / 1024 + " KiB";
    }

    static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, ApiErrors.INVALID_JSON, "The request body is empty; send a JSON document");
        }
        try {
            return STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ApiError(400, ApiErrors.INVALID_JSON, "The request body is not valid JSON" + where + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("Parsing the request body failed", e);
        }
    }
}
