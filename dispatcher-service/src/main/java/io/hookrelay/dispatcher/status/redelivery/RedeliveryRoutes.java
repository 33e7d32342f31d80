package io.hookrelay.dispatcher.status.redelivery;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.AttemptRecord.Outcome;
import io.hookrelay.dispatcher.status.query.StatusForwarder;
import io.hookrelay.dispatcher.status.query.StatusQueries;
import io.hookrelay.dispatcher.status.query.StatusRoutes;
import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.event.FieldError;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.JsonBody;
import io.hookrelay.http.ServiceRelay;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resend and recover on the dispatcher's HTTP port, next to the delivery log they read, scoped to
 * the operator of the bearer key like the rest of the status API:
 *
 * <ul>
 *   <li>{@code POST /v1/events/{event_id}/resend}, optional body {@code {"subscription_id"}}: every
 *       delivery of the event in the log (or the one to that subscription) is sent again now, under
 *       its own {@code webhook-id}, whatever its state. Deliveries to disabled subscriptions are
 *       skipped (named in the answer; for the one subscription asked for, 409).</li>
 *   <li>{@code POST /v1/subscriptions/{id}/recover}, body {@code {"since", "until"}}: every delivery
 *       to the subscription first attempted in {@code [since, until)} that is {@code dead} or still
 *       {@code retrying} is sent again, oldest first, up to {@value #RECOVER_MAX} per call
 *       ({@code next_since} continues). Up to {@value Redeliveries#INLINE_LIMIT} are written before
 *       the answer; more are written in the background ({@code "background": true}).</li>
 * </ul>
 *
 * <p>Both answer 202 with how many deliveries they queued: written to the first retry tier (and, for
 * inline ones, acknowledged by Kafka), to be attempted by the retry-service within the
 * subscription's limits. A recover of a subscription whose instance is elsewhere is handed to that
 * instance ({@code /internal/status/...}) with the caller's key, and its answer relayed; a resend
 * asks each instance for the subscriptions it holds.
 */
public final class RedeliveryRoutes {

    private static final Logger log = LoggerFactory.getLogger(RedeliveryRoutes.class);

    /** Deliveries one recover call takes at most: about 2 KiB each in memory while they are written. */
    static final int RECOVER_MAX = 50_000;
    /** Skip reason of a resend: the subscription is disabled. Wire contract, like {@link Redeliveries.Skip}. */
    static final String SKIP_DISABLED = "subscription_disabled";
    private static final Set<String> RECOVERABLE = Set.of(Outcome.DEAD.wire(), Outcome.RETRYING.wire());

    private final ApiKeys keys;
    private final SubscriptionCatalog catalog;
    private final StatusQueries queries;
    private final StatusForwarder forwarder;
    private final StatusRoutes status;
    private final Redeliveries redeliveries;

    public RedeliveryRoutes(ApiKeys keys, SubscriptionCatalog catalog, StatusQueries queries, StatusForwarder forwarder,
                     StatusRoutes status, Redeliveries redeliveries) {
        this.keys = keys;
        this.catalog = catalog;
        this.queries = queries;
        this.forwarder = forwarder;
        this.status = status;
        this.redeliveries = redeliveries;
    }

    public void mount(RoutesConfig routes) {
        routes.post("/v1/events/{event_id}/resend", guarded(this::resend));
        routes.post("/v1/subscriptions/{id}/recover", guarded(this::recover));
        routes.post(StatusRoutes.INTERNAL + "/resend", guarded(this::localResend));
        routes.post(StatusRoutes.INTERNAL + "/subscriptions/{id}/recover", guarded(this::localRecover));
    }

    // ---- resend

    private void resend(Context ctx) {
        String operator = keys.operatorOf(ctx);
        status.requireLoaded();
        String eventId = ctx.pathParam("event_id");
        String only = subscriptionOf(ctx);
        List<Subscription> subscriptions;
        if (only != null) {
            Subscription s = catalog.get(only).filter(x -> x.operatorId().equals(operator))
                    .orElseThrow(() -> ApiError.notFound("Subscription " + only));
            if (!s.enabled()) {
                throw disabled(s, "resending to it");
            }
            subscriptions = List.of(s);
        } else {
            subscriptions = catalog.forOperator(operator);
        }
        StatusQueries.Placement placement = queries.place(subscriptions);
        ResendPart total = resendHere(operator, eventId, placement.local());
        for (Map.Entry<HostInfo, List<String>> e : placement.elsewhere().entrySet()) {
            byte[] ask = Json.bytes(Map.of("event_id", eventId, "subscription_ids", e.getValue()));
            ServiceRelay.Answer a = forwarder.post(e.getKey(), StatusRoutes.INTERNAL + "/resend", ask,
                    ctx.header("Authorization"));
            if (a.status() != 200) {
                a.writeTo(ctx);
                return;
            }
            total = total.add(ResendPart.fromJson(StatusRoutes.readTree(a.body())));
        }
        if (total.found == 0) {
            throw new ApiError(404, ErrorCodes.NOT_FOUND, "The delivery log has no delivery of event " + eventId
                    + (only == null ? "" : " to subscription " + only) + ": the event matched no subscription, was "
                    + "never accepted, or was first attempted longer ago than WEBHOOKS_STATUS_RETENTION", List.of());
        }
        log.info("{}", LogLine.event("event.resent").with("operator_id", operator).with("event_id", eventId)
                .with("subscription_id", only).with("queued", total.queued.size()).with("skipped", total.skipped));
        if (total.queued.isEmpty()) {
            boolean allExpired = total.skipped.keySet().equals(Set.of(Redeliveries.Skip.EVENT_EXPIRED.wire));
            throw new ApiError(allExpired ? 410 : 409, allExpired ? ErrorCodes.EVENT_EXPIRED : ErrorCodes.NOT_RESENDABLE,
                    "Nothing of event " + eventId + " could be sent again: " + total.skipped
                            + (allExpired ? " (Kafka's retention on webhooks.accepted has deleted it)" : ""),
                    List.of());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", eventId);
        body.put("queued", total.queued.size());
        body.put("deliveries", total.queued);
        body.put("skipped", total.skipped);
        body.put("topic", redeliveries.topic());
        HttpApi.json(ctx, 202, body);
    }

    private void localResend(Context ctx) {
        String operator = keys.operatorOf(ctx);
        status.requireLoaded();
        JsonNode ask = JsonBody.parse(ctx.bodyAsBytes());
        List<Subscription> mine = new ArrayList<>();
        for (JsonNode id : ask.path("subscription_ids")) {
            // The key's operator, not the caller's word, decides which subscriptions are looked at.
            catalog.get(id.asText()).filter(s -> s.operatorId().equals(operator)).ifPresent(mine::add);
        }
        HttpApi.json(ctx, 200, resendHere(operator, ask.path("event_id").asText(), mine).toJson());
    }

    /** Resends the event's deliveries to {@code subscriptions}, each held by this instance. */
    private ResendPart resendHere(String operator, String eventId, List<Subscription> subscriptions) {
        List<DeliveryStatus> targets = new ArrayList<>();
        Map<String, Integer> skipped = new LinkedHashMap<>();
        int found = 0;
        for (Subscription s : subscriptions) {
            Optional<DeliveryStatus> d = status.find(queries.localOwnerOf(s.id()), operator, eventId, s.id());
            if (d.isEmpty()) {
                continue;
            }
            found++;
            if (!s.enabled()) {
                skipped.merge(SKIP_DISABLED, 1, Integer::sum);
            } else {
                targets.add(d.get());
            }
        }
        Redeliveries.Outcome o = redeliveries.redeliver(Redeliveries.Request.RESEND, targets);
        o.skipped().forEach((k, v) -> skipped.merge(k.wire, v, Integer::sum));
        List<Map<String, String>> queued = o.queued().stream()
                .map(d -> Map.of("subscription_id", d.subscriptionId(), "webhook_id", d.webhookId())).toList();
        return new ResendPart(found, queued, skipped);
    }

    /** One instance's part of a resend. */
    private record ResendPart(int found, List<Map<String, String>> queued, Map<String, Integer> skipped) {

        static final ResendPart NONE = new ResendPart(0, List.of(), Map.of());

        ResendPart add(ResendPart other) {
            List<Map<String, String>> q = new ArrayList<>(queued);
            q.addAll(other.queued);
            Map<String, Integer> s = new LinkedHashMap<>(skipped);
            other.skipped.forEach((k, v) -> s.merge(k, v, Integer::sum));
            return new ResendPart(found + other.found, q, s);
        }

        Map<String, Object> toJson() {
            return Map.of("found", found, "queued", queued, "skipped", skipped);
        }

        static ResendPart fromJson(JsonNode n) {
            List<Map<String, String>> queued = new ArrayList<>();
            n.path("queued").forEach(q -> queued.add(Map.of("subscription_id", q.path("subscription_id").asText(),
                    "webhook_id", q.path("webhook_id").asText())));
            Map<String, Integer> skipped = new LinkedHashMap<>();
            n.path("skipped").fields().forEachRemaining(f -> skipped.put(f.getKey(), f.getValue().asInt()));
            return new ResendPart(n.path("found").asInt(), queued, skipped);
        }
    }

    /** The optional subscription of a resend: {@code ?subscription_id=} or {@code {"subscription_id"}}. */
    private static String subscriptionOf(Context ctx) {
        String fromQuery = ctx.queryParam("subscription_id");
        JsonNode body = JsonBody.optionalObject(ctx, JsonBody.OBJECT_LIMIT, "such as {\"subscription_id\": \"sub_...\"}");
        List<FieldError> problems = new ArrayList<>();
        String fromBody = null;
        if (body != null) {
            body.fieldNames().forEachRemaining(f -> {
                if (!f.equals("subscription_id")) {
                    problems.add(new FieldError(f, "unknown field; a resend takes only subscription_id"));
                }
            });
            JsonNode v = body.get("subscription_id");
            if (v != null && !v.isNull() && !v.isTextual()) {
                problems.add(new FieldError("subscription_id", "must be a string"));
            } else if (v != null && !v.isNull()) {
                fromBody = v.asText();
            }
        }
        if (fromQuery != null && fromBody != null && !fromQuery.equals(fromBody)) {
            problems.add(new FieldError("subscription_id", "given as a query parameter and in the body with "
                    + "different values"));
        }
        if (!problems.isEmpty()) {
            throw ApiError.badRequest("Invalid resend request: " + problems.get(0).field() + " "
                    + problems.get(0).message(), problems);
        }
        return fromQuery != null ? fromQuery : fromBody;
    }

    // ---- recover

    private void recover(Context ctx) {
        Recover r = recoverRequest(ctx);
        Subscription s = r.subscription();
        StatusQueries.Owner o = queries.ownerOf(s.id());
        if (o.local()) {
            answerRecover(ctx, o, s, r.window());
        } else {
            forwarder.post(o.host(), StatusRoutes.INTERNAL + "/subscriptions/"
                    + StatusRoutes.segment(s.id()) + "/recover", ctx.bodyAsBytes(), ctx.header("Authorization")).writeTo(ctx);
        }
    }

    private void localRecover(Context ctx) {
        Recover r = recoverRequest(ctx);
        answerRecover(ctx, queries.localOwnerOf(r.subscription().id()), r.subscription(), r.window());
    }

    /** A recover of one of the key's subscriptions, enabled, with a valid window. */
    private record Recover(Subscription subscription, Window window) {
    }

    /** The request's subscription and window, checked in the order the answers report them: 404, 400, 409. */
    private Recover recoverRequest(Context ctx) {
        Subscription s = status.owned(ctx);
        Window w = window(ctx);
        if (!s.enabled()) {
            throw disabled(s, "recovering its deliveries");
        }
        return new Recover(s, w);
    }

    private void answerRecover(Context ctx, StatusQueries.Owner o, Subscription s, Window w) {
        StatusQueries.Window found = queries.window(o, s.id(), w.since.toEpochMilli(),
                w.until == null ? Long.MAX_VALUE : w.until.toEpochMilli(), RECOVERABLE, RECOVER_MAX);
        List<DeliveryStatus> targets = found.deliveries();
        String what = "recover of " + s.id() + " since " + w.since + (w.until == null ? "" : " until " + w.until);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subscription_id", s.id());
        body.put("since", w.since);
        body.put("until", w.until);
        if (targets.size() > Redeliveries.INLINE_LIMIT) {
            redeliveries.redeliverLater(Redeliveries.Request.RECOVER, what, targets);
            body.put("queued", targets.size());
            body.put("background", true);
            body.put("skipped", null);
        } else {
            Redeliveries.Outcome out = redeliveries.redeliver(Redeliveries.Request.RECOVER, targets);
            body.put("queued", out.queued().size());
            body.put("background", false);
            body.put("skipped", out.skippedView());
        }
        body.put("topic", redeliveries.topic());
        body.put("has_more", found.nextSince() != null);
        body.put("next_since", found.nextSince() == null ? null : Instant.ofEpochMilli(found.nextSince()));
        log.info("{}", LogLine.event("subscription.recover").with("operator_id", s.operatorId())
                .with("subscription_id", s.id()).with("since", w.since).with("until", w.until)
                .with("deliveries", targets.size()).with("background", body.get("background"))
                .with("has_more", body.get("has_more")));
        HttpApi.json(ctx, 202, body);
    }

    /** The window of a recover. */
    private record Window(Instant since, Instant until) {
    }

    private static Window window(Context ctx) {
        JsonNode body = JsonBody.optionalObject(ctx, JsonBody.OBJECT_LIMIT, "such as {\"since\": \"2026-11-27T00:00:00Z\"}");
        if (body == null) {
            throw ApiError.badRequest("A recover needs a JSON body with since (and optionally until), such as "
                    + "{\"since\": \"2026-11-27T00:00:00Z\"}", List.of(new FieldError("since", "is required")));
        }
        List<FieldError> problems = new ArrayList<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("since") && !f.equals("until")) {
                problems.add(new FieldError(f, "unknown field; a recover takes since and until"));
            }
        });
        Instant since = time(body, "since", true, problems);
        Instant until = time(body, "until", false, problems);
        if (since != null && until != null && !until.isAfter(since)) {
            problems.add(new FieldError("until", "must be after since (" + since + ")"));
        }
        if (!problems.isEmpty()) {
            throw ApiError.badRequest("Invalid recover request: " + problems.get(0).field() + " "
                    + problems.get(0).message(), problems);
        }
        return new Window(since, until);
    }

    private static Instant time(JsonNode body, String field, boolean required, List<FieldError> problems) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problems.add(new FieldError(field, "is required: an ISO-8601 time such as 2026-11-27T00:00:00Z"));
            }
            return null;
        }
        if (!v.isTextual()) {
            problems.add(new FieldError(field, "must be an ISO-8601 time string such as 2026-11-27T00:00:00Z"));
            return null;
        }
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeException e) {
            problems.add(new FieldError(field, "'" + v.asText() + "' is not an ISO-8601 time with an offset, "
                    + "such as 2026-11-27T00:00:00Z"));
            return null;
        }
    }

    // ---- shared

    private static ApiError disabled(Subscription s, String doing) {
        return new ApiError(409, ErrorCodes.SUBSCRIPTION_DISABLED, "Subscription " + s.id() + " is disabled"
                + (s.disabledReason() == null ? "" : " (" + s.disabledReason() + ")") + "; enable it with PATCH "
                + "/v1/subscriptions/" + s.id() + " {\"enabled\": true} before " + doing
                + ", or its deliveries would only be dead-lettered again", List.of());
    }

    /** The status API's 503 handling, plus 503 {@code kafka_unavailable} when events cannot be read or written. */
    private static Handler guarded(Handler h) {
        return StatusRoutes.retriable(ctx -> {
            try {
                h.handle(ctx);
            } catch (KafkaUnavailable e) {
                log.warn("Redelivery failed: {}", e.getMessage());
                throw ApiError.kafkaUnavailable(e.getMessage() + "; repeat the request: every "
                        + "delivery keeps its webhook-id, so receivers deduplicate");
            }
        });
    }
}
