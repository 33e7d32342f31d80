package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.DeadReason;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptResult.Verdict;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.TargetPolicy;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import io.hookrelay.testing.WebhookReceiver.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WebhookSenderTest {

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static WebhookReceiver receiver;
    private static WebhookSender sender;

    @BeforeAll
    static void start() {
        receiver = WebhookReceiver.start();
        sender = new WebhookSender(Duration.ofMillis(800), 4, 100, new TargetPolicy(true), CLOCK);
    }

    @AfterAll
    static void stop() {
        sender.close();
        receiver.close();
    }

    private static AttemptResult send(Subscription s, String eventId) throws Exception {
        return sender.send(Fixtures.delivery(s, eventId), s).get(10, TimeUnit.SECONDS);
    }

    @Test
    void postsTheContractBodySignedOverTheExactBytesSent() throws Exception {
        Subscription s = Fixtures.subscription("demo", receiver.url("/signed?token=abc"));
        Delivery d = Fixtures.delivery(s, "e-signed");

        AttemptResult r = sender.send(d, s).get(10, TimeUnit.SECONDS);

        assertThat(r.verdict()).isEqualTo(Verdict.DELIVERED);
        assertThat(r.status()).isEqualTo(204);
        Received got = receiver.received("/signed?token=abc").get(0);
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.header("content-type")).isEqualTo("application/json");
        assertThat(got.header("user-agent")).isEqualTo("Hookrelay/0.1");
        assertThat(got.header("webhook-id")).isEqualTo(d.webhookId());
        assertThat(got.header("webhook-timestamp")).isEqualTo(Long.toString(NOW.getEpochSecond()));
        assertThat(WebhookSigner.verify(s.secret(), d.webhookId(), NOW.getEpochSecond(), got.body(),
                got.header("webhook-signature"))).isTrue();
        JsonNode body = Json.tree(got.body());
        assertThat(body.get("type").asText()).isEqualTo("conversion.ftd");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-27T10:00:00Z");
        assertThat(body.get("data")).isEqualTo(d.event());
    }

    @Test
    void signsWithBothSecretsDuringARotationGraceAndOnlyTheNewOneAfter() throws Exception {
        Subscription before = Fixtures.subscription("demo", receiver.url("/rotated"));
        String newSecret = Secrets.newSecret();
        Subscription inGrace = before.withRotatedSecret(newSecret, Duration.ofHours(24), NOW.minusSeconds(60));
        Subscription afterGrace = before.withRotatedSecret(newSecret, Duration.ofHours(1), NOW.minus(Duration.ofHours(2)));

        assertThat(send(inGrace, "e-in-grace").verdict()).isEqualTo(Verdict.DELIVERED);
        assertThat(send(afterGrace, "e-after-grace").verdict()).isEqualTo(Verdict.DELIVERED);

        List<Received> got = receiver.received("/rotated");
        assertThat(got).hasSize(2);
        Received during = got.get(0);
        Received after = got.get(1);
        assertThat(during.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(verifies(before.secret(), during)).isTrue();
        assertThat(verifies(newSecret, during)).isTrue();
        assertThat(after.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(verifies(newSecret, after)).isTrue();
        assertThat(verifies(before.secret(), after)).isFalse();
    }

    private static boolean verifies(String secret, Received r) {
        return WebhookSigner.verify(secret, r.header("webhook-id"), Long.parseLong(r.header("webhook-timestamp")),
                r.body(), r.header("webhook-signature"));
    }

    @Test
    void keepsOnlyTheFirstKibOfTheAnswer() throws Exception {
        receiver.reply("/big", Reply.status(500).withBody("x".repeat(5000)));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/big")), "e-big");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.error()).isEqualTo("HTTP 500");
        assertThat(r.responseExcerpt()).hasSize(1024);
    }

    @Test
    void doesNotFollowRedirects() throws Exception {
        receiver.reply("/moved", Reply.status(302).withHeader("Location", receiver.url("/moved-here")));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/moved")), "e-moved");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isEqualTo(302);
        assertThat(receiver.received("/moved-here")).isEmpty();
    }

    @Test
    void goneIsPermanent() throws Exception {
        receiver.reply("/gone", Reply.status(410));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/gone")), "e-gone");

        assertThat(r.verdict()).isEqualTo(Verdict.PERMANENT);
        assertThat(r.deadReason()).isEqualTo(DeadReason.GONE);
    }

    @Test
    void noAnswerWithinTheTimeoutIsRetriableWithStatusZero() throws Exception {
        receiver.reply("/slow", Reply.status(200).after(Duration.ofSeconds(3)));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/slow")), "e-slow");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isZero();
        assertThat(r.error()).contains("did not answer within 800ms").doesNotContain("/slow");
        assertThat(r.cause()).isNotNull();
    }

    @Test
    void retryAfterSecondsOn429BecomesNotBefore() throws Exception {
        receiver.reply("/busy", Reply.status(429).withHeader("Retry-After", "120"));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/busy")), "e-busy");

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.retryNotBefore()).contains(NOW.plusSeconds(120));
    }

    @Test
    void retryAfterDateOn503BecomesNotBefore() throws Exception {
        receiver.reply("/down", Reply.status(503).withHeader("Retry-After", "Fri, 27 Nov 2026 12:00:00 GMT"));

        AttemptResult r = send(Fixtures.subscription("demo", receiver.url("/down")), "e-down");

        assertThat(r.retryNotBefore()).contains(Instant.parse("2026-11-27T12:00:00Z"));
    }

    @Test
    void refusesPrivateTargetsAtConnectTime() throws Exception {
        try (WebhookSender strict = new WebhookSender(Duration.ofSeconds(2), 4, 100, new TargetPolicy(false), CLOCK)) {
            Subscription s = Fixtures.subscription("demo", receiver.url("/internal"));

            AttemptResult r = strict.send(Fixtures.delivery(s, "e-internal"), s).get(10, TimeUnit.SECONDS);

            assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
            assertThat(r.status()).isZero();
            assertThat(r.error()).startsWith("target refused: 127.0.0.1 resolves to 127.0.0.1")
                    .contains("WEBHOOKS_ALLOW_PRIVATE_TARGETS=true");
            assertThat(r.cause()).isInstanceOf(RefusedTargetException.class);
            assertThat(receiver.received("/internal")).isEmpty();
        }
    }

    @Test
    void closedPortIsARetriableConnectionFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }

        AttemptResult r = send(Fixtures.subscription("demo", "http://127.0.0.1:" + port + "/x"), "e-closed");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isZero();
        assertThat(r.error()).startsWith("connection to http://127.0.0.1:" + port + " failed");
    }

    @Test
    void aUrlThatIsNotHttpIsAResultNotAnException() throws Exception {
        AttemptResult r = send(Fixtures.subscription("demo", "ftp://files.example.com/in"), "e-ftp");

        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).isZero();
        assertThat(r.error()).isEqualTo("the subscription URL is not an http(s) URL with a host");
    }

    @Test
    void bodyIsUtf8Json() throws Exception {
        send(Fixtures.subscription("demo", receiver.url("/utf8")), "e-ünïcode");

        assertThat(new String(receiver.received("/utf8").get(0).body(), StandardCharsets.UTF_8)).contains("\"e-ünïcode\"");
    }

    @Test
    void sendsOnlyTheSubscriptionsFieldsWithoutTheOperatorsNeverSentOnes() throws Exception {
        try (WebhookSender shaping = new WebhookSender(Duration.ofSeconds(2), 4, 100, new TargetPolicy(true), CLOCK,
                Map.of("shop", Set.of("tracking.btag", "currency")))) {
            Subscription s = Fixtures.shaping("shop", receiver.url("/projected"),
                    List.of("amount", "currency", "tracking.click_id", "tracking.btag"), null);
            Delivery d = Fixtures.delivery(s, "e-projected");
            d.event().putObject("tracking").put("click_id", "clk-1").put("btag", "bt-1").put("sub1", "s1");

            assertThat(shaping.send(d, s).get(10, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.DELIVERED);

            JsonNode data = Json.tree(receiver.received("/projected").get(0).body()).get("data");
            assertThat(fieldNames(data)).containsExactlyInAnyOrder("event_id", "event_type", "occurred_at",
                    "operator_id", "amount", "tracking");
            assertThat(fieldNames(data.get("tracking"))).containsExactly("click_id");
            assertThat(data.get("amount").asText()).isEqualTo("10.00");
            assertThat(d.event().get("currency").asText()).as("the delivery keeps the whole event").isEqualTo("EUR");
        }
    }

    @Test
    void hashedPlayerRefDiffersPerSubscription() throws Exception {
        Subscription first = Fixtures.shaping("demo", receiver.url("/hashed-1"), null, Subscription.PLAYER_REF_HASHED);
        Subscription second = Fixtures.shaping("demo", receiver.url("/hashed-2"), null, Subscription.PLAYER_REF_HASHED);
        Subscription plain = Fixtures.shaping("demo", receiver.url("/plain"), null, Subscription.PLAYER_REF_PLAIN);

        for (Subscription s : List.of(first, second, first, plain)) {
            assertThat(send(s, "e-hashed").verdict()).isEqualTo(Verdict.DELIVERED);
        }

        List<String> firstRefs = playerRefs("/hashed-1");
        String secondRef = playerRefs("/hashed-2").get(0);
        assertThat(firstRefs.get(0)).startsWith(PayloadShaper.HASH_PREFIX).isEqualTo(firstRefs.get(1));
        assertThat(secondRef).startsWith(PayloadShaper.HASH_PREFIX).isNotEqualTo(firstRefs.get(0));
        assertThat(playerRefs("/plain")).containsExactly("p1");
    }

    private static List<String> playerRefs(String path) throws java.io.IOException {
        List<String> out = new java.util.ArrayList<>();
        for (Received r : receiver.received(path)) {
            out.add(Json.tree(r.body()).at("/data/player_ref").asText());
        }
        return out;
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void closingEndsAttemptsInFlightAsRetriableFailures() throws Exception {
        receiver.reply("/held", Reply.status(200).after(Duration.ofSeconds(5)));
        WebhookSender closing = new WebhookSender(Duration.ofSeconds(30), 4, 100, new TargetPolicy(true), CLOCK);
        Subscription s = Fixtures.subscription("demo", receiver.url("/held"));
        var attempt = closing.send(Fixtures.delivery(s, "e-held"), s);
        org.awaitility.Awaitility.await().until(() -> receiver.received("/held").size() == 1);

        closing.close();

        AttemptResult r = attempt.get(10, TimeUnit.SECONDS);
        assertThat(r.verdict()).isEqualTo(Verdict.RETRIABLE);
        assertThat(r.status()).as("closing does not wait for the answer").isZero();
    }
}
