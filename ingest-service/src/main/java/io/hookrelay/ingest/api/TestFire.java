package io.hookrelay.ingest.api;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptResult;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.event.EventFamily;
import io.hookrelay.event.EventFields;
import io.hookrelay.subscription.EventTypePattern;
import io.hookrelay.subscription.Subscription;

/**
 * The "test postback" of {@code POST /v1/subscriptions/{id}/test}: one signed test sent to the
 * subscription's endpoint now, with the headers, signing, time limits and target checks of a real
 * delivery, and its result as the answer. It is outside the delivery pipeline: nothing is written to
 * Kafka (no attempt record, no retry, no dead letter), a failure is not retried, and a 410 disables
 * nothing. It works on a disabled subscription too, so an operator can check a fixed endpoint before
 * enabling it again.
 *
 * <p>A JSON-mode subscription gets a {@value #EVENT_TYPE} body. A postback subscription gets its
 * templates rendered with a sample event and sent exactly as a real postback (GET or POST, value map,
 * the subscription's {@code fields} and {@code player_ref} and the operator's never-sent fields
 * applied): a tracker only understands its own URL, so a JSON body would test nothing. The sample
 * event, built by {@link #sampleEvent}, is a valid event of the contract with obviously fake values:
 * <ul>
 *   <li>its type is the first exact event type in the subscription's {@code event_types}; else
 *       {@value #DEFAULT_EVENT_TYPE} when a pattern matches it ({@code *}, {@code conversion.*});
 *       else the first type, in contract order, of the family its wildcard names
 *       ({@code kyc.*}: {@code kyc.status_changed}). So {@code {status}} and the transaction macros
 *       get values that event type really has;</li>
 *   <li>{@code event_id} {@code test_<16 random hex>}, and ids derived from the same random part
 *       ({@code transaction_id} {@code test_tx_...}, {@code commission_id} {@code test_cm_...},
 *       {@code original_transaction_id} {@code test_otx_...}), so a tracker deduplicating on them
 *       does not drop the second test; the {@code webhook-id} is a delivery's digest of that event id,
 *       hence fresh per test as well;</li>
 *   <li>{@code occurred_at} now, {@code is_test} true, the subscription's operator, {@code brand_id}
 *       {@code test-brand}, {@code affiliate_id} {@code test-affiliate}, {@code player_ref}
 *       {@code test-player} (not on affiliate events), {@code tracking.click_id} {@code test-click}
 *       and every other tracking key {@code test-<key>} ({@code test-sub1}, ...);</li>
 *   <li>by family: amount {@code 1.00} and currency {@code USD} where the family has money
 *       ({@code conversion.registration} has none), {@code deposit_count} 1, KYC status
 *       {@code approved} from {@code pending}, affiliate status {@code active} from {@code pending},
 *       commission model {@code CPA}, reason and reason code {@code test-reason}.</li>
 * </ul>
 */
final class TestFire {

    /** Wire contract: the {@code type} of the test event's body. */
    static final String EVENT_TYPE = "webhook.test";
    static final String MESSAGE = "A test event sent from the Hookrelay API; it is not a real event and is never retried.";
    /** The sample event's type when the subscription's patterns name no exact type and match this one. */
    static final String DEFAULT_EVENT_TYPE = "conversion.ftd";
    static final String SAMPLE_AMOUNT = "1.00";
    static final String SAMPLE_CURRENCY = "USD";

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

        /**
         * The API's answer: status (0: none), latency, excerpt (at most 1 KiB), error (null on 2xx), and
         * for a postback {@code empty_macros}: the template's macros the sample event has no value for,
         * which a real event of that type will not fill either (a {@code {status}} on a conversion, say).
         */
        Map<String, Object> answer() {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("status", attempt.status());
            a.put("latency_ms", attempt.latencyMs());
            a.put("response_excerpt", attempt.responseExcerpt() == null ? "" : attempt.responseExcerpt());
            a.put("error", error());
            a.put("delivered", attempt.delivered());
            a.put("webhook_id", webhookId);
            if (attempt.emptyMacros() != null) {
                a.put("empty_macros", attempt.emptyMacros());
            }
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

    /**
     * Sends the test event, or to a postback subscription the sample postback; never fails (every
     * problem is in the result).
     */
    CompletableFuture<Result> fire(Subscription s) {
        if (s.isPostback()) {
            // The sender's own postback path, so rendering, shaping and signing cannot drift from a real one.
            Delivery d = Delivery.first(sampleEvent(s, newToken(), clock), s.id(), clock.millis());
            return sender.send(d, s).thenApply(r -> new Result(d.webhookId(), r));
        }
        String webhookId = newWebhookId();
        return sender.send(webhookId, body(s), s).thenApply(r -> new Result(webhookId, r));
    }

    /**
     * {@code POST /v1/subscriptions/preview}: what a postback subscription would send for the sample
     * event a test would use, rendered by the sender's own code and not sent. For a JSON-mode
     * subscription, only where it would POST.
     */
    Map<String, Object> preview(Subscription s) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("mode", s.isPostback() ? Subscription.MODE_POSTBACK : "json");
        if (!s.isPostback()) {
            a.put("method", "POST");
            a.put("url", s.url());
            return a;
        }
        ObjectNode event = sampleEvent(s, newToken(), clock);
        Delivery d = Delivery.first(event, s.id(), clock.millis());
        WebhookSender.Rendered r = sender.render(d, s);
        a.put("method", r.method());
        a.put("url", r.url());
        a.put("body", r.body());
        a.put("content_type", r.contentType());
        a.put("empty_macros", r.emptyMacros());
        a.put("sample_event", event);
        return a;
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
     * The sample event a postback test renders (see the class comment): a canonical event of the
     * contract, as the dispatcher would hand it to the sender.
     *
     * @param token the random part of its ids
     */
    static ObjectNode sampleEvent(Subscription s, String token, Clock clock) {
        String type = sampleEventType(s.eventTypes());
        EventFamily family = EventFamily.ofEventType(type).orElseThrow();
        ObjectNode e = Json.object();
        e.put(EventFields.EVENT_ID, "test_" + token);
        e.put(EventFields.EVENT_TYPE, type);
        e.put(EventFields.OCCURRED_AT, clock.instant().toString());
        e.put(EventFields.OPERATOR_ID, s.operatorId());
        e.put(EventFields.BRAND_ID, "test-brand");
        e.put(EventFields.AFFILIATE_ID, "test-affiliate");
        if (family != EventFamily.AFFILIATE) {
            e.put(EventFields.PLAYER_REF, "test-player");
        }
        ObjectNode tracking = e.putObject(EventFields.TRACKING);
        EventFields.TRACKING_KEYS.forEach(k -> tracking.put(k, k.equals("click_id") ? "test-click" : "test-" + k));
        e.put(EventFields.IS_TEST, true);
        switch (family) {
            case CONVERSION -> {
                // A registration has no money and no transaction (the contract refuses them on one).
                if (!type.equals("conversion.registration")) {
                    e.put(EventFields.TRANSACTION_ID, "test_tx_" + token);
                    money(e);
                    e.put(EventFields.DEPOSIT_COUNT, 1);
                }
            }
            case KYC -> e.put(EventFields.STATUS, "approved").put(EventFields.PREVIOUS_STATUS, "pending")
                    .put(EventFields.REASON_CODE, "test-reason");
            case CHARGEBACK -> {
                e.put(EventFields.TRANSACTION_ID, "test_tx_" + token);
                e.put(EventFields.ORIGINAL_TRANSACTION_ID, "test_otx_" + token);
                money(e);
                e.put(EventFields.REASON_CODE, "test-reason");
            }
            case COMMISSION -> {
                e.put(EventFields.COMMISSION_ID, "test_cm_" + token);
                e.put(EventFields.MODEL, "CPA");
                money(e);
                e.put(EventFields.RELATED_TRANSACTION_ID, "test_tx_" + token);
                e.put(EventFields.REASON, "test-reason");
            }
            case AFFILIATE -> e.put(EventFields.STATUS, "active").put(EventFields.PREVIOUS_STATUS, "pending");
            default -> throw new IllegalStateException("no sample event for family " + family);
        }
        return e;
    }

    private static void money(ObjectNode e) {
        e.put(EventFields.AMOUNT, SAMPLE_AMOUNT);
        e.put(EventFields.CURRENCY, SAMPLE_CURRENCY);
    }

    /**
     * The event type of the sample event for a subscription to {@code patterns}: the first exact type
     * it names; else {@value #DEFAULT_EVENT_TYPE} when a pattern matches it; else the first type, in
     * contract order, that a pattern matches. Subscriptions always have a valid pattern, so the last
     * fallback only guards records written by hand.
     */
    static String sampleEventType(List<String> patterns) {
        List<String> all = EventFamily.allEventTypes();
        for (String p : patterns) {
            if (all.contains(p)) {
                return p;
            }
        }
        if (patterns.stream().anyMatch(p -> EventTypePattern.matches(p, DEFAULT_EVENT_TYPE))) {
            return DEFAULT_EVENT_TYPE;
        }
        for (String type : all) {
            if (patterns.stream().anyMatch(p -> EventTypePattern.matches(p, type))) {
                return type;
            }
        }
        return DEFAULT_EVENT_TYPE;
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

    /** 16 random hex digits: the random part of a sample event's ids. */
    private static String newToken() {
        byte[] token = new byte[8];
        RANDOM.nextBytes(token);
        return HexFormat.of().formatHex(token);
    }
}
