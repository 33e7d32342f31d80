package io.hookrelay.ingest.api;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.subscription.Subscription;

/**
 * The "test postback" of {@code POST /v1/subscriptions/{id}/test}: one signed {@code webhook.test}
 * event sent to the subscription's endpoint now, with the headers, signing, time limits and target
 * checks of a real delivery, and its result as the answer. It is outside the delivery pipeline:
 * nothing is written to Kafka (no attempt record, no retry, no dead letter), a failure is not
 * retried, and a 410 disables nothing. It works on a disabled subscription too, so an operator can
 * check a fixed endpoint before enabling it again.
 */
final class TestFire {

    /** Wire contract: the {@code type} of the test event's body. */
    static final String EVENT_TYPE = "webhook.test";
    static final String MESSAGE = "A test event sent from the Hookrelay API; it is not a real event and is never retried.";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final WebhookSender sender;
    private final Clock clock;

    TestFire(WebhookSender sender, Clock clock) {
        this.sender = sender;
        this.clock = clock;
    }

    /** What the endpoint answered to one test event. */
    record Result(String webhookId, AttemptResult attempt) {

        boolean delivered() {
            return attempt.delivered();
        }

        /** The API's answer: status (0: none), latency, excerpt (at most 1 KiB), error (null on 2xx). */
        Map<String, Object> answer() {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("status", attempt.status());
            a.put("latency_ms", attempt.latencyMs());
            a.put("response_excerpt", attempt.responseExcerpt() == null ? "" : attempt.responseExcerpt());
            a.put("error", error());
            a.put("delivered", attempt.delivered());
            a.put("webhook_id", webhookId);
            return a;
        }

        String error() {
            if (attempt.status() == 410) {
                // The sender's wording says what a delivery does next; a test does neither.
                return "HTTP 410 Gone: a real delivery would be dead-lettered and the subscription disabled"
                        + " (a test does neither)";
            }
            return attempt.error();
        }
    }

    /** Sends the test event; never fails (every problem is in the result). */
    CompletableFuture<Result> fire(Subscription s) {
        String webhookId = newWebhookId();
        return sender.send(webhookId, body(s), s).thenApply(r -> new Result(webhookId, r));
    }

    private byte[] body(Subscription s) {
        ObjectNode body = Json.object();
        body.put("type", EVENT_TYPE);
        body.put("timestamp", clock.instant().toString());
        ObjectNode data = body.putObject("data");
        data.put("subscription_id", s.id());
        data.put("message", MESSAGE);
        return Json.bytes(body);
    }

    /**
     * A fresh {@code msg_} id per test, the length of a delivery's: a receiver deduplicating on
     * {@code webhook-id} must not drop the second test as a repeat of the first.
     */
    static String newWebhookId() {
        byte[] id = new byte[18];
        RANDOM.nextBytes(id);
        return "msg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }
}
