package io.hookrelay.ingest.api;

import static io.hookrelay.ingest.api.ApiServer.KEY_A;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests no HTTP client library would send, written on a raw socket to the started API: each is
 * answered 4xx in the API's JSON error shape, never 500 and never Jetty's HTML page.
 */
class MalformedHttpTest {

    private static final byte[] UTF32ISH = {'{', 0, 0, 0, '"', 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f};

    private static ApiServer server;
    private static String subscriptionId;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.start(TestKafka.bootstrap(), true, 10_000);
        subscriptionId = server.client().postJson("/v1/subscriptions", KEY_A,
                java.util.Map.of("url", "http://127.0.0.1:9/hook", "event_types", List.of("*"))).json().get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** One answer: status, and the body parsed as JSON (MissingNode when it is not). */
    private record Answer(int status, String head, JsonNode json, String raw) {
    }

    private static String head(String method, String path, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + KEY_A + "\r\nContent-Type: application/json\r\nConnection: close\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** Sends {@code bytes}, half-closes so the server sees the end, and reads the answer. */
    private static Answer exchange(byte[]... parts) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            for (byte[] p : parts) {
                out.write(p);
            }
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                in.transferTo(got);
            } catch (SocketTimeoutException e) {
                // Whatever arrived is the answer.
            }
            String text = got.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + 4);
            if (head.toLowerCase().contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            int status = head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
            JsonNode json;
            try {
                json = Json.tree(body.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                json = com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            }
            return new Answer(status, head, json, text);
        }
    }

    private static String dechunk(String body) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < body.length()) {
            int eol = body.indexOf("\r\n", i);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(i, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertApiError(Answer a, int status, String code) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.head().toLowerCase()).as(a.raw()).contains("content-type: application/json");
        assertThat(a.json().path("error").asText()).as(a.raw()).isEqualTo(code);
        assertThat(a.json().path("message").asText()).as(a.raw()).isNotBlank();
    }

    @Test
    void aBodyThatLooksLikeUtf32IsInvalidJsonOnEveryBodyRoute() throws Exception {
        for (String[] route : new String[][] {{"POST", "/v1/events"}, {"POST", "/v1/subscriptions"},
                {"PATCH", "/v1/subscriptions/" + subscriptionId}}) {
            Answer a = exchange(ascii(head(route[0], route[1], "Content-Length: " + UTF32ISH.length)), UTF32ISH);
            assertApiError(a, 400, "invalid_json");
        }
    }

    @Test
    void aContentLengthThatIsNotANumberIsABadRequestInTheApiShape() throws Exception {
        Answer a = exchange(ascii(head("POST", "/v1/events", "Content-Length: abc")), ascii("{}"));
        assertApiError(a, 400, "invalid_request");
        assertThat(a.raw()).doesNotContain("<html");
    }

    @Test
    void aBadChunkSizeIsABadRequestInTheApiShape() throws Exception {
        Answer a = exchange(ascii(head("POST", "/v1/events", "Transfer-Encoding: chunked")),
                ascii("zz\r\n{}\r\n0\r\n\r\n"));
        assertThat(a.status()).as(a.raw()).isEqualTo(400);
        assertThat(a.json().path("error").asText()).as(a.raw()).isIn("invalid_request", "invalid_json");
    }

    @Test
    void aBodyCutShortOfItsContentLengthIsABadRequest() throws Exception {
        Answer a = exchange(ascii(head("POST", "/v1/events", "Content-Length: 500")), ascii("{\"event_id\": \"e"));
        assertApiError(a, 400, "invalid_request");
        assertThat(a.json().path("message").asText()).contains("could not be read to its end");
        Answer sub = exchange(ascii(head("POST", "/v1/subscriptions", "Content-Length: 500")), ascii("{\"url\""));
        assertApiError(sub, 400, "invalid_request");
    }

    @Test
    void theApiStillAcceptsAValidRequestAfterwards() throws Exception {
        byte[] event = Json.bytes(TestEvents.ftd("after-malformed-" + System.nanoTime(), ApiServer.OPERATOR_A, "p-1"));
        Answer a = exchange(ascii(head("POST", "/v1/events", "Content-Length: " + event.length)), event);
        assertThat(a.status()).as(a.raw()).isEqualTo(202);
    }
}
