package io.hookrelay.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.contract.Json;
import io.hookrelay.kafka.embedded.EmbeddedKafka;
import io.hookrelay.testing.WebhookReceiver;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile input against the whole pipeline's public APIs (issue 11): whatever bytes come
 * in on {@code POST /v1/events}, {@code POST /v1/subscriptions} or {@code PATCH
 * /v1/subscriptions/{id}}, the answer is a 4xx with the API's JSON error shape (or a 2xx when the
 * generator happened to make valid input), never a 5xx; and after each try a valid event still
 * goes all the way to a subscriber.
 */
class HostileInputPropertiesTest {

    private static final String KEY = "acme-key-0123456789";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Byte sequences that are not UTF-8: overlong forms, a surrogate, past U+10FFFF, a lone continuation. */
    private static final byte[][] INVALID_UTF8 = {
            {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80, (byte) 0xaf}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xff}};

    private static AllInOne pipeline;
    private static WebhookReceiver receiver;
    private static PipelineClient api;
    /** Patched by the generated bodies, so a valid one cannot redirect the subscription the events go to. */
    private static String patchTarget;
    private static int sent;

    @BeforeContainer
    static void start() throws Exception {
        Path data = Files.createTempDirectory("hookrelay-hostile-");
        Map<String, String> env = Map.of(
                "WEBHOOKS_DATA_DIR", data.toString(),
                "WEBHOOKS_EMBEDDED_KAFKA_PORT", Integer.toString(EmbeddedKafka.freePort()),
                "WEBHOOKS_API_KEYS", "acme=" + KEY,
                "WEBHOOKS_PARTITIONS", "2",
                "INGEST_HTTP_PORT", "0", "DISPATCHER_HTTP_PORT", "0", "RETRY_HTTP_PORT", "0");
        pipeline = AllInOne.start(PipelineConfig.from(env), env, false, Clock.systemUTC());
        receiver = WebhookReceiver.start();
        api = new PipelineClient(pipeline.ingestUrl());
        api.subscribe(KEY, receiver.url("/hostile"), "conversion.*");
        patchTarget = api.subscribe(KEY, receiver.url("/patched"), "kyc.*").get("id").asText();
    }

    @AfterContainer
    static void stop() {
        receiver.close();
        pipeline.close();
    }

    @Property(tries = 150)
    void badEventBodiesGetA4xxAndAValidEventStillGetsThrough(@ForAll("hostileEventBodies") byte[] body) throws Exception {
        assertClientError(send("POST", "/v1/events", body));
        deliverOneValidEvent();
    }

    @Property(tries = 80)
    void badSubscriptionBodiesGetA4xxOnCreateAndPatch(@ForAll("hostileSubscriptionBodies") byte[] body) throws Exception {
        assertClientError(send("POST", "/v1/subscriptions", body));
        assertClientError(send("PATCH", "/v1/subscriptions/" + patchTarget, body));
    }

    /** Sends one valid FTD and waits until the subscriber has it: nothing before broke the pipeline. */
    private static void deliverOneValidEvent() throws Exception {
        String id = "after-" + (++sent);
        api.send(KEY, PipelineClient.ftd("acme", id));
        await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received("/hostile").stream()
                .anyMatch(r -> r.bodyText().contains("\"" + id + "\"")));
    }

    private static void assertClientError(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.statusCode()).as("status for a generated body").isLessThan(500);
        if (r.statusCode() >= 400) {
            JsonNode error = Json.MAPPER.readTree(r.body());
            assertThat(error.path("error").asText()).as("error code").isNotEmpty();
            assertThat(error.path("message").asText()).as("error message").isNotEmpty();
        }
    }

    private static HttpResponse<byte[]> send(String method, String path, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(pipeline.ingestUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    @Provide
    Arbitrary<byte[]> hostileEventBodies() {
        return hostile(Json.bytes(PipelineClient.ftd("acme", "hostile-template")), List.of(
                "event_id", "event_type", "occurred_at", "operator_id", "amount", "currency", "deposit_count", "tracking"));
    }

    @Provide
    Arbitrary<byte[]> hostileSubscriptionBodies() {
        byte[] valid = ("{\"url\":\"http://127.0.0.1:9/x\",\"event_types\":[\"kyc.*\"],\"max_in_flight\":5}")
                .getBytes(StandardCharsets.UTF_8);
        return hostile(valid, List.of("url", "event_types", "max_in_flight", "rate_limit_per_second", "filter",
                "where", "fields", "mode", "url_template", "enabled"));
    }

    /** Random bytes, and a valid body broken in the ways clients and attackers break them. */
    private static Arbitrary<byte[]> hostile(byte[] valid, List<String> fields) {
        Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length - 1)
                .map(n -> Arrays.copyOf(valid, n));
        Arbitrary<byte[]> badUtf8 = Combinators.combine(Arbitraries.integers().between(0, valid.length),
                Arbitraries.of(INVALID_UTF8)).as((at, bad) -> splice(valid, at, bad));
        Arbitrary<byte[]> flipped = Combinators.combine(Arbitraries.integers().between(0, valid.length - 1),
                Arbitraries.bytes()).as((at, b) -> {
                    byte[] copy = valid.clone();
                    copy[at] = b;
                    return copy;
                });
        Arbitrary<byte[]> wrongValue = Combinators.combine(Arbitraries.of(fields), oddJsonValues())
                .as((field, value) -> withField(valid, field, value));
        Arbitrary<byte[]> encoded = Arbitraries.of("UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE")
                .map(cs -> new String(valid, StandardCharsets.UTF_8).getBytes(java.nio.charset.Charset.forName(cs)));
        Arbitrary<byte[]> nested = Arbitraries.integers().between(100, 3000)
                .map(depth -> ("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(randomBytes, truncated, badUtf8, flipped, wrongValue, encoded, nested);
    }

    /** JSON values of every type and extreme: huge and negative numbers, odd strings, nesting. */
    private static Arbitrary<String> oddJsonValues() {
        return Arbitraries.oneOf(
                Arbitraries.of("18446744073709551621", "-1", "1e400", "-0", "0.000000001", "NaN", "true", "null",
                        "[]", "{}", "\"\"", "\"+99999-01-01T00:00:00Z\"", "\"-125.50\"", "\"http://0177.0.0.1/\"",
                        "\"http://[::ffff:10.0.0.1]/\"", "\"http://{tracking.sub1}/pb\"", "\"\\u0000\"",
                        "\"\\ud800\"", "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}"),
                Arbitraries.strings().ofMaxLength(40).map(v -> Json.string(v)),
                Arbitraries.longs().map(l -> Long.toString(l)),
                Arbitraries.strings().withCharRange('0', '9').ofMinLength(20).ofMaxLength(60));
    }

    private static byte[] withField(byte[] valid, String field, String rawJsonValue) {
        String text = new String(valid, StandardCharsets.UTF_8);
        String body = text.substring(0, text.length() - 1) + ",\"" + field + "\":" + rawJsonValue + "}";
        // A field already present appears twice: the strict reader refuses duplicate keys, also a 400.
        return body.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] splice(byte[] valid, int at, byte[] bad) {
        byte[] out = new byte[valid.length + bad.length];
        System.arraycopy(valid, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(valid, at, out, at + bad.length, valid.length - at);
        return out;
    }
}
