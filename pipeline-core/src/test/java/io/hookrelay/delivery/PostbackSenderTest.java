package io.hookrelay.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.delivery.AttemptResult.Verdict;
import io.hookrelay.signing.WebhookSigner;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.TargetPolicy;
import io.hookrelay.testing.WebhookReceiver;
import io.hookrelay.testing.WebhookReceiver.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Postback subscriptions against a real local receiver: what arrives, byte for byte. */
class PostbackSenderTest {

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

    private static Subscription postback(String urlTemplate, String method, String dialect, String bodyTemplate,
                                         String bodyEncoding, Map<String, Map<String, String>> valueMap) {
        Subscription s = Fixtures.subscription("demo", receiver.url("/unused"));
        return Subscription.builder(s.id(), "demo", null).eventTypes(s.eventTypes()).filter(s.filter())
                .description(s.description()).enabled(true).secret(s.secret()).createdAt(s.createdAt())
                .updatedAt(s.updatedAt()).limits(s.maxInFlight(), null).mode(Subscription.MODE_POSTBACK)
                .urlTemplate(urlTemplate).method(method).dialect(dialect).bodyTemplate(bodyTemplate)
                .bodyEncoding(bodyEncoding).valueMap(valueMap).build();
    }

    private static Delivery delivery(Subscription s, String eventId) {
        ObjectNode e = Fixtures.event("demo", eventId);
        e.put("amount", "125.50");
        e.put("transaction_id", "tx-1001");
        e.put("status", "approved");
        ObjectNode tracking = e.putObject("tracking");
        tracking.put("click_id", "a&b=c d");
        tracking.put("sub1", "José ñ");
        return Delivery.first(e, s.id(), 1_795_000_000_000L);
    }

    @Test
    void getsTheRenderedUrlWithEveryMacroKindEncodedAndReportsEmptyMacros() throws Exception {
        Subscription s = postback(receiver.url("/pb?cid={tracking.click_id}&s1={tracking.sub1}&payout={amount}"
                        + "&tx={raw:transaction_id}&status={status}&why={reason}&id={webhook_id}"),
                null, null, null, null, Map.of("status", Map.of("approved", "1")));
        Delivery d = delivery(s, "pb-get");

        AttemptResult r = sender.send(d, s).get(10, TimeUnit.SECONDS);

        assertThat(r.verdict()).isEqualTo(Verdict.DELIVERED);
        assertThat(r.emptyMacros()).containsExactly("{reason}");
        Received got = receiver.select(x -> x.path().startsWith("/pb?")).get(0);
        assertThat(got.method()).isEqualTo("GET");
        assertThat(got.path()).isEqualTo("/pb?cid=a%26b%3Dc%20d&s1=Jos%C3%A9%20%C3%B1&payout=125.50"
                + "&tx=tx-1001&status=1&why=&id=" + d.webhookId());
        assertThat(got.body()).isEmpty();
        assertThat(got.header("webhook-id")).isEqualTo(d.webhookId());
        assertThat(got.header("webhook-timestamp")).isEqualTo(Long.toString(NOW.getEpochSecond()));
        // A GET is signed over <id>.<timestamp>. and an empty body.
        assertThat(WebhookSigner.verify(s.secret(), d.webhookId(), NOW.getEpochSecond(), new byte[0],
                got.header("webhook-signature"))).isTrue();
    }

    @Test
    void postsAFormBodyInTheHashDialect() throws Exception {
        Subscription s = postback(receiver.url("/pbform?e=#event_type#"), "POST", "hash",
                "cid=#tracking.click_id#&sub=#tracking.sub1#&cur=#currency#&why=#reason#", "form", null);
        Delivery d = delivery(s, "pb-post");

        AttemptResult r = sender.send(d, s).get(10, TimeUnit.SECONDS);

        assertThat(r.verdict()).isEqualTo(Verdict.DELIVERED);
        assertThat(r.emptyMacros()).containsExactly("#reason#");
        Received got = receiver.select(x -> x.path().startsWith("/pbform")).get(0);
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.path()).isEqualTo("/pbform?e=conversion.ftd");
        assertThat(got.header("content-type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(got.bodyText()).isEqualTo("cid=a%26b%3Dc+d&sub=Jos%C3%A9+%C3%B1&cur=EUR&why=");
        assertThat(WebhookSigner.verify(s.secret(), d.webhookId(), NOW.getEpochSecond(),
                "cid=a%26b%3Dc+d&sub=Jos%C3%A9+%C3%B1&cur=EUR&why=".getBytes(StandardCharsets.UTF_8),
                got.header("webhook-signature"))).isTrue();
    }

    @Test
    void jsonDeliveriesReportNoMacrosAndTheirAttemptRecordLeavesTheFieldOut() throws Exception {
        Subscription s = Fixtures.subscription("demo", receiver.url("/json"));
        Delivery d = Fixtures.delivery(s, "pb-json");

        AttemptResult r = sender.send(d, s).get(10, TimeUnit.SECONDS);

        assertThat(r.emptyMacros()).isNull();
        String json = new String(AttemptRecord.of(d, s.url(), r, AttemptRecord.Outcome.DELIVERED, null, null).toJson(),
                StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("empty_macros");
    }

    @Test
    void anAttemptRecordOfAPostbackCarriesItsEmptyMacros() throws Exception {
        Subscription s = postback(receiver.url("/pbrec?why={reason}"), null, null, null, null, null);
        Delivery d = delivery(s, "pb-rec");

        AttemptResult r = sender.send(d, s).get(10, TimeUnit.SECONDS);
        AttemptRecord rec = AttemptRecord.fromJson(
                AttemptRecord.of(d, s.url(), r, AttemptRecord.Outcome.DELIVERED, null, null).toJson());

        assertThat(rec.emptyMacros()).isEqualTo(List.of("{reason}"));
        assertThat(rec.endpoint()).isEqualTo("http://127.0.0.1:" + receiver.port());
    }
}
