package io.hookrelay.http;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hookrelay.contract.Json;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty's answers that never reach a route (a bad Content-Length, a malformed chunk, a body cut
 * short, a request line Jetty cannot parse) in the API's error shape instead of Jetty's HTML page.
 * These are the client's mistakes: logged at DEBUG, without a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(JsonErrorHandler.class);
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        log.debug("Jetty answered {} {} with {}: {}", request.getMethod(), request.getHttpURI().getPath(), code, message);
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        log.debug("Jetty refused a request it could not parse with {}: {}", status, reason);
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int status, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", codeOf(status));
        body.put("message", "The request could not be read as HTTP (" + status
                + (reason == null || reason.isBlank() ? "" : ": " + reason) + ")");
        body.put("details", List.of());
        return Json.bytes(body);
    }

    private static String codeOf(int status) {
        return switch (status) {
            case 404 -> ErrorCodes.NOT_FOUND;
            case 413 -> ErrorCodes.PAYLOAD_TOO_LARGE;
            case 415 -> ErrorCodes.UNSUPPORTED_MEDIA_TYPE;
            default -> status < 500 ? ErrorCodes.INVALID_REQUEST : ErrorCodes.INTERNAL;
        };
    }
}
