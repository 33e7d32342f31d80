package io.hookrelay.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.javalin.http.Context;

/**
 * The one reader of request bodies for every service's API: checks the content type, enforces a
 * size limit, and parses strictly ({@link Json#strictTree}: UTF-8 only, no trailing content, no
 * duplicate keys), turning each failure into a 4xx answer that says what is wrong and where.
 */
public final class JsonBody {

    /** A request object of a few fields (a subscription, a resend, a recover, redrive filters): 64 KiB leaves room for long lists. */
    public static final int OBJECT_LIMIT = 65_536;

    /** The most of an over-limit body read (and dropped) so that its sender reliably gets the 413; see {@link #discard}. */
    static final long DRAIN_LIMIT = 8L * 1_048_576;

    private JsonBody() {
    }

    /**
     * The parsed body, which must be there and be declared {@code application/json}. Reads at most
     * {@code limit + 1} bytes, whatever the client declared.
     *
     * @throws ApiError 415 for another content type, 413 over {@code limit} bytes, 400 {@code invalid_json}
     *         for a body that is not one UTF-8 JSON document, 400 {@code invalid_request} for one that could
     *         not be read to its end
     */
    public static JsonNode read(Context ctx, int limit) {
        requireJson(ctx.header("Content-Type"));
        return parse(readBounded(ctx, limit));
    }

    /**
     * The body as a JSON object, or null when there is none (empty or blank), for routes whose body
     * is optional; the content type is not checked. The body stays readable with
     * {@link Context#bodyAsBytes()}, for routes that forward it.
     *
     * @throws ApiError 413 over {@code limit} bytes, 400 {@code invalid_json} when it is not one UTF-8
     *         JSON object (with {@code expected} saying what is), 400 {@code invalid_request} when it could
     *         not be read
     */
    public static JsonNode optionalObject(Context ctx, int limit, String expected) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw declaredTooLarge(ctx, declared, limit);
        }
        byte[] bytes;
        try {
            bytes = ctx.bodyAsBytes();
        } catch (RuntimeException e) {
            throw unreadable(e);
        }
        if (bytes.length > limit) {
            throw tooLarge("is " + bytes.length + " bytes", limit);
        }
        if (isBlank(bytes)) {
            return null;
        }
        JsonNode n = parse(bytes);
        if (!n.isObject()) {
            throw new ApiError(400, ErrorCodes.INVALID_JSON, "The request body must be a JSON object, " + expected);
        }
        return n;
    }

    /** @throws ApiError 415 unless {@code contentType} is {@code application/json}, in UTF-8 if a charset is named */
    public static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new ApiError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
                    "The request has no Content-Type; send 'Content-Type: application/json'");
        }
        List<String> parts = Arrays.stream(contentType.split(";")).map(String::trim).toList();
        if (parts.isEmpty() || !parts.get(0).equalsIgnoreCase("application/json")) {
            throw new ApiError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Type '" + contentType + "' is not supported; send 'Content-Type: application/json'");
        }
        for (String p : parts.subList(1, parts.size())) {
            String param = p.toLowerCase(Locale.ROOT).replace(" ", "");
            // JSON on the wire is UTF-8 (RFC 8259 §8.1); any other declared charset would be misread.
            if (param.startsWith("charset=") && !param.equals("charset=utf-8") && !param.equals("charset=\"utf-8\"")) {
                throw new ApiError(415, ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Type '" + contentType + "' declares a charset other than UTF-8; JSON must be sent as UTF-8");
            }
        }
    }

    /** @throws ApiError 400 {@code invalid_json} unless {@code body} is one UTF-8 JSON document */
    public static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, ErrorCodes.INVALID_JSON, "The request body is empty; send a JSON document");
        }
        try {
            return Json.strictTree(body);
        } catch (Json.MalformedJsonException e) {
            throw new ApiError(400, ErrorCodes.INVALID_JSON, "The request body " + e.getMessage());
        }
    }

    private static byte[] readBounded(Context ctx, int limit) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw declaredTooLarge(ctx, declared, limit);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            // One byte past the limit tells a body at the limit from one over it.
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                discard(in);
                throw tooLarge("is larger than " + limit + " bytes", limit);
            }
            return body;
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiError a) {
                throw a;
            }
            throw unreadable(e);
        }
    }

    /**
     * A 413 for a body declared over {@code limit}, sent once the body is read and dropped (up to
     * {@link #DRAIN_LIMIT}; see {@link #discard}). A client that sent {@code Expect: 100-continue}
     * waits for this answer before sending its body, and opening the stream would ask it for the
     * body, so it is answered at once; so is one declaring more than the drain limit.
     */
    private static ApiError declaredTooLarge(Context ctx, long declared, int limit) {
        if (ctx.header("Expect") == null && declared <= DRAIN_LIMIT) {
            try (InputStream in = ctx.req().getInputStream()) {
                discard(in);
            } catch (IOException e) {
                // Closing failed: the client went away, and the answer is the same.
            }
        }
        return tooLarge("is " + declared + " bytes", limit);
    }

    /**
     * Reads and drops the rest of a body that is over its limit, up to {@link #DRAIN_LIMIT} bytes,
     * before the 413 is sent. Most HTTP/1.1 clients write the whole body before they read any
     * answer; were the server to answer and close with their bytes unread, the kernel would reset
     * the connection and the client would see "broken pipe" or "no bytes" instead of the 413 (about
     * one request in twenty on loopback).
     */
    private static void discard(InputStream in) {
        byte[] sink = new byte[65_536];
        long left = DRAIN_LIMIT;
        try {
            int n;
            while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // The client went away or sent a broken body: the answer is a 413 all the same.
        }
    }

    /** A body cut short (the client closed before its Content-Length) or badly chunked: the client's fault. */
    private static ApiError unreadable(Exception e) {
        Throwable cause = e.getCause() != null && e instanceof RuntimeException ? e.getCause() : e;
        return new ApiError(400, ErrorCodes.INVALID_REQUEST, "The request body could not be read to its end ("
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                + "): it is shorter than its Content-Length or badly chunked");
    }

    private static ApiError tooLarge(String size, int limit) {
        return new ApiError(413, ErrorCodes.PAYLOAD_TOO_LARGE, "The request body " + size + ", over the limit of "
                + limit + " bytes (" + describe(limit) + ")");
    }

    private static String describe(int limit) {
        return limit % 1_048_576 == 0 ? limit / 1_048_576 + " MiB" : limit / 1024 + " KiB";
    }

    private static boolean isBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
