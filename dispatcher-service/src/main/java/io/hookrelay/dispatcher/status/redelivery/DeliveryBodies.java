package io.hookrelay.dispatcher.status.redelivery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.dispatcher.status.query.StatusQueries;
import io.hookrelay.dispatcher.status.query.StatusRoutes;
import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.http.HttpApi;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * The body a delivery of the log sends, for the console:
 * {@code GET /v1/events/{event_id}/deliveries/{webhook_id}/body}, scoped like the rest of the status
 * API (401 without a valid key, 404 for an unknown delivery or another operator's). The log keeps no
 * bodies (they hold players' data, and would multiply its size), so the event is read back from
 * {@code webhooks.accepted} at the position the log kept, as a resend reads it, and rendered by the
 * sender's own code ({@link WebhookSender#render}) with the subscription as it is now: what the next
 * attempt would send, which is what was sent unless the subscription's {@code fields},
 * {@code player_ref} or templates changed since. Asked of an instance that does not hold the
 * delivery, it relays the holder's answer ({@code /internal/status/...}).
 *
 * <p>An event Kafka no longer holds is 410 {@code event_expired}; one it cannot find there, 404
 * {@code event_missing} or {@code event_position_unknown}; Kafka not answering, 503
 * {@code kafka_unavailable}. Bodies are never logged.
 */
public final class DeliveryBodies {

    static final String PATH = "/events/{event_id}/deliveries/{webhook_id}/body";
    /** Wire value of {@code shaped_with}: the body is shaped with the subscription as it is when asked. */
    static final String SHAPED_WITH_CURRENT = "current_subscription";

    private final ApiKeys keys;
    private final SubscriptionCatalog catalog;
    private final StatusQueries queries;
    private final StatusRoutes status;
    private final AcceptedEvents events;
    private final WebhookSender sender;

    /** @param sender the dispatcher's own, configured as every attempt's ({@code WEBHOOKS_NEVER_SENT_FIELDS}) */
    public DeliveryBodies(ApiKeys keys, SubscriptionCatalog catalog, StatusQueries queries, StatusRoutes status,
                          AcceptedEvents events, WebhookSender sender) {
        this.keys = keys;
        this.catalog = catalog;
        this.queries = queries;
        this.status = status;
        this.events = events;
        this.sender = sender;
    }

    public void mount(RoutesConfig routes) {
        routes.get("/v1" + PATH, guarded(this::body));
        routes.get(StatusRoutes.INTERNAL + PATH, guarded(this::localBody));
    }

    /** The delivery a request names, with the key's subscription it went to. */
    private record Asked(String operator, String eventId, String webhookId, Subscription subscription) {
    }

    private void body(Context ctx) {
        Asked a = asked(ctx);
        status.atHolder(ctx, a.subscription(), "/events/" + StatusRoutes.segment(a.eventId()) + "/deliveries/"
                + StatusRoutes.segment(a.webhookId()) + "/body", (c, o) -> answer(c, o, a));
    }

    private void localBody(Context ctx) {
        Asked a = asked(ctx);
        answer(ctx, queries.localOwnerOf(a.subscription().id()), a);
    }

    /** The path's delivery when it went to one of the key's operator's subscriptions; 404 otherwise. */
    private Asked asked(Context ctx) {
        String operator = keys.operatorOf(ctx);
        status.requireLoaded();
        String eventId = ctx.pathParam("event_id");
        String webhookId = ctx.pathParam("webhook_id");
        // A webhook id is a digest of (operator, event, subscription): only the key's own subscriptions can match.
        Subscription s = catalog.forOperator(operator).stream()
                .filter(x -> WebhookIds.of(operator, eventId, x.id()).equals(webhookId)).findFirst()
                .orElseThrow(() -> noDelivery(eventId, webhookId));
        return new Asked(operator, eventId, webhookId, s);
    }

    private void answer(Context ctx, StatusQueries.Owner o, Asked a) {
        Subscription s = a.subscription();
        DeliveryStatus d = status.find(o, a.operator(), a.eventId(), s.id())
                .orElseThrow(() -> noDelivery(a.eventId(), a.webhookId()));
        AcceptedEvents.Found found = events.read(d.eventPosition() == null ? List.of() : List.of(d.eventPosition()));
        Redeliveries.Skip skip = Redeliveries.unreadable(d, found);
        if (skip != null) {
            throw unreadable(skip, d);
        }
        // Only rendered, never sent: its attempt number and due time play no part in the body.
        Delivery delivery = Redeliveries.again(d, found.events().get(d.eventPosition()), 0L);
        WebhookSender.Rendered r;
        try {
            r = sender.render(delivery, s);
        } catch (RuntimeException e) {
            throw new ApiError(409, ErrorCodes.NOT_RENDERABLE, "Subscription " + s.id() + " as it is now cannot "
                    + "render delivery " + d.webhookId() + " (" + e.getMessage() + "); its attempts fail the same "
                    + "way until the subscription is fixed", List.of());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("webhook_id", d.webhookId());
        body.put("subscription_id", s.id());
        body.put("event_id", d.eventId());
        body.put("event_type", d.eventType());
        body.put("mode", s.isPostback() ? Subscription.MODE_POSTBACK : Subscription.MODE_JSON);
        body.put("method", r.method());
        body.put("url", r.url());
        body.put("content_type", r.contentType());
        body.put("body", r.body());
        if (s.isPostback()) {
            body.put("empty_macros", r.emptyMacros());
        }
        body.put("event_position", d.eventPosition());
        body.put("shaped_with", SHAPED_WITH_CURRENT);
        body.put("subscription_updated_at", s.updatedAt());
        HttpApi.json(ctx, 200, body);
    }

    private static ApiError noDelivery(String eventId, String webhookId) {
        return new ApiError(404, ErrorCodes.NOT_FOUND, "The delivery log has no delivery " + webhookId + " of event "
                + eventId + " for this key: it was never made, went to another operator's subscription, its "
                + "subscription was deleted, or it was first attempted longer ago than WEBHOOKS_STATUS_RETENTION",
                List.of());
    }

    private static ApiError unreadable(Redeliveries.Skip skip, DeliveryStatus d) {
        String why = switch (skip) {
            case EVENT_EXPIRED -> "Kafka's retention on webhooks.accepted has deleted event " + d.eventId()
                    + " (it was at " + d.eventPosition() + ")";
            case EVENT_MISSING -> d.eventPosition() + " holds no event " + d.eventId()
                    + " (webhooks.accepted was recreated, or the record is unreadable)";
            case EVENT_POSITION_UNKNOWN -> "the delivery log has no position in webhooks.accepted for event "
                    + d.eventId() + " (the delivery was logged before positions were kept)";
        };
        return new ApiError(skip == Redeliveries.Skip.EVENT_EXPIRED ? 410 : 404, skip.wire, "The body of delivery "
                + d.webhookId() + " cannot be shown: " + why + "; the delivery log keeps no bodies", List.of());
    }

    /** The status API's 503 handling, plus 503 {@code kafka_unavailable} when the event cannot be read. */
    private static Handler guarded(Handler h) {
        return StatusRoutes.retriable(ctx -> {
            try {
                h.handle(ctx);
            } catch (KafkaUnavailable e) {
                throw ApiError.kafkaUnavailable(e.getMessage() + "; repeat the request");
            }
        });
    }
}
