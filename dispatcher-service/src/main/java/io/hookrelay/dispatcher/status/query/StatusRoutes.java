package io.hookrelay.dispatcher.status.query;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.Topics;
import io.hookrelay.dispatcher.status.guard.EndpointGuard;
import io.hookrelay.dispatcher.status.store.DeliveryStatus;
import io.hookrelay.dispatcher.status.store.SubscriptionHealth;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.JsonBody;
import io.hookrelay.http.ServiceRelay;
import io.hookrelay.signing.WebhookIds;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The status API on the dispatcher's HTTP port, scoped to the operator of the bearer key (contract
 * §5: 401 without a valid key, 404 for another operator's subscription, exactly as for one that
 * does not exist; another operator's event ids simply match nothing):
 *
 * <ul>
 *   <li>{@code GET /v1/events/{event_id}/deliveries}: {@code {"event_id", "data": [delivery...]}}, one
 *       delivery per subscription the event was dispatched to, with its attempts;</li>
 *   <li>{@code GET /v1/subscriptions/{id}/deliveries?state=&since=&until=&limit=}:
 *       {@code {"data": [...], "has_more"}}, newest first;</li>
 *   <li>{@code GET /v1/subscriptions/{id}/health}.</li>
 * </ul>
 *
 * <p>Whichever instance is asked answers for every partition: what another instance holds is asked
 * of it on {@code /internal/status/...}, with the caller's key, and relayed. The internal routes
 * answer from this instance's stores only, with the same key checks. 503 {@code status_unavailable}
 * with {@code Retry-After: 1} while a store is restoring or moving (a rebalance), or its instance does
 * not answer.
 */
public final class StatusRoutes {

    public static final String INTERNAL = "/internal/status";
    static final String UNAVAILABLE = ErrorCodes.STATUS_UNAVAILABLE;
    /** Seconds a caller should wait before retrying a 503; a rebalance settles in about that. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final ApiKeys keys;
    private final SubscriptionCatalog catalog;
    private final StatusQueries queries;
    private final StatusForwarder forwarder;
    private final EndpointGuard guard;
    private final Clock clock;

    public StatusRoutes(ApiKeys keys, SubscriptionCatalog catalog, StatusQueries queries, StatusForwarder forwarder,
                 EndpointGuard guard, Clock clock) {
        this.keys = keys;
        this.catalog = catalog;
        this.queries = queries;
        this.forwarder = forwarder;
        this.guard = guard;
        this.clock = clock;
    }

    public void mount(RoutesConfig routes) {
        routes.get("/v1/events/{event_id}/deliveries", retriable(this::eventDeliveries));
        routes.get("/v1/subscriptions/{id}/deliveries", retriable(this::subscriptionDeliveries));
        routes.get("/v1/subscriptions/{id}/health", retriable(this::health));
        routes.post(INTERNAL + "/deliveries", retriable(this::localEventDeliveries));
        routes.get(INTERNAL + "/subscriptions/{id}/deliveries", retriable(this::localSubscriptionDeliveries));
        routes.get(INTERNAL + "/subscriptions/{id}/health", retriable(this::localHealth));
    }

    private void eventDeliveries(Context ctx) {
        String operator = keys.operatorOf(ctx);
        requireLoaded();
        String eventId = ctx.pathParam("event_id");
        List<JsonNode> data = new ArrayList<>();
        StatusQueries.Placement placement = queries.place(catalog.forOperator(operator));
        for (Subscription s : placement.local()) {
            find(queries.localOwnerOf(s.id()), operator, eventId, s.id())
                    .ifPresent(d -> data.add(Json.MAPPER.valueToTree(StatusViews.delivery(d))));
        }
        for (Map.Entry<HostInfo, List<String>> e : placement.elsewhere().entrySet()) {
            byte[] ask = Json.bytes(Map.of("event_id", eventId, "subscription_ids", e.getValue()));
            ServiceRelay.Answer a = forwarder.post(e.getKey(), INTERNAL + "/deliveries", ask, authorization(ctx));
            if (a.status() != 200) {
                a.writeTo(ctx);
                return;
            }
            try {
                Json.tree(a.body()).path("data").forEach(data::add);
            } catch (IOException x) {
                throw new StatusUnavailable("The dispatcher instance at " + e.getKey().host() + ":" + e.getKey().port()
                        + " answered with something other than JSON", x);
            }
        }
        data.sort(Comparator.comparing((JsonNode d) -> Instant.parse(d.path("created_at").asText()))
                .thenComparing(d -> d.path("subscription_id").asText()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("event_id", eventId);
        body.put("data", data);
        HttpApi.json(ctx, 200, body);
    }

    private void localEventDeliveries(Context ctx) {
        String operator = keys.operatorOf(ctx);
        requireLoaded();
        JsonNode ask = JsonBody.parse(ctx.bodyAsBytes());
        String eventId = ask.path("event_id").asText();
        List<Map<String, Object>> data = new ArrayList<>();
        for (JsonNode id : ask.path("subscription_ids")) {
            // The key's operator, not the caller's word, decides which subscriptions and ids are looked at.
            Optional<Subscription> s = catalog.get(id.asText()).filter(x -> x.operatorId().equals(operator));
            if (s.isPresent()) {
                find(queries.localOwnerOf(s.get().id()), operator, eventId, s.get().id())
                        .ifPresent(d -> data.add(StatusViews.delivery(d)));
            }
        }
        HttpApi.json(ctx, 200, Map.of("data", data));
    }

    public Optional<DeliveryStatus> find(StatusQueries.Owner o, String operator, String eventId, String subscriptionId) {
        return queries.delivery(o, subscriptionId, WebhookIds.of(operator, eventId, subscriptionId))
                .filter(d -> operator.equals(d.operatorId()));
    }

    private void subscriptionDeliveries(Context ctx) {
        Subscription s = owned(ctx);
        DeliveryListQuery.parse(ctx.queryParamMap());
        String query = ctx.queryString() == null ? "" : "?" + ctx.queryString();
        atHolder(ctx, s, "/subscriptions/" + segment(s.id()) + "/deliveries" + query, (c, o) -> answerDeliveries(c, o, s));
    }

    /**
     * Answers for {@code s} where its status is held: with {@code here} on this instance, else with what
     * the instance holding it answers to {@code GET} {@value #INTERNAL}{@code + internalPathAndQuery},
     * asked with the caller's key.
     */
    public void atHolder(Context ctx, Subscription s, String internalPathAndQuery,
                         BiConsumer<Context, StatusQueries.Owner> here) {
        StatusQueries.Owner o = queries.ownerOf(s.id());
        if (o.local()) {
            here.accept(ctx, o);
        } else {
            forwarder.get(o.host(), INTERNAL + internalPathAndQuery, authorization(ctx)).writeTo(ctx);
        }
    }

    private void localSubscriptionDeliveries(Context ctx) {
        Subscription s = owned(ctx);
        answerDeliveries(ctx, queries.localOwnerOf(s.id()), s);
    }

    private void answerDeliveries(Context ctx, StatusQueries.Owner o, Subscription s) {
        DeliveryListQuery q = DeliveryListQuery.parse(ctx.queryParamMap());
        StatusQueries.Page page = queries.recent(o, s.id(), q);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", page.deliveries().stream().map(StatusViews::deliveryInList).toList());
        body.put("has_more", page.hasMore());
        HttpApi.json(ctx, 200, body);
    }

    private void health(Context ctx) {
        Subscription s = owned(ctx);
        atHolder(ctx, s, "/subscriptions/" + segment(s.id()) + "/health", (c, o) -> answerHealth(c, o, s));
    }

    private void localHealth(Context ctx) {
        Subscription s = owned(ctx);
        answerHealth(ctx, queries.localOwnerOf(s.id()), s);
    }

    private void answerHealth(Context ctx, StatusQueries.Owner o, Subscription s) {
        Optional<SubscriptionHealth> h = queries.health(o, s.id());
        Optional<Instant> disablesAt = h.flatMap(x -> guard.disablesAt(x, Optional.of(s)));
        HttpApi.json(ctx, 200, StatusViews.health(s, h, disablesAt, clock.instant()));
    }

    /** The path's subscription when the key's operator owns it; 404 otherwise, whoever owns it. */
    public Subscription owned(Context ctx) {
        String operator = keys.operatorOf(ctx);
        requireLoaded();
        String id = ctx.pathParam("id");
        return catalog.get(id).filter(s -> s.operatorId().equals(operator))
                .orElseThrow(() -> ApiError.notFound("Subscription " + id));
    }

    public void requireLoaded() {
        // Before the catalog has read the whole topic, a 404 or a short answer would be a lie.
        if (!catalog.isCaughtUp()) {
            throw new StatusUnavailable("The subscriptions are still loading from " + Topics.SUBSCRIPTIONS);
        }
    }

    /** Turns {@link StatusUnavailable} into 503 with a retry hint; everything else goes to the common handlers. */
    public static Handler retriable(Handler h) {
        return ctx -> {
            try {
                h.handle(ctx);
            } catch (StatusUnavailable e) {
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                throw new ApiError(503, UNAVAILABLE, e.getMessage() + "; retry in a second", List.of());
            }
        };
    }


    private static String authorization(Context ctx) {
        return ctx.header("Authorization");
    }

    public static JsonNode readTree(byte[] bytes) {
        try {
            return Json.tree(bytes);
        } catch (IOException e) {
            throw ApiError.badRequest("The body is not JSON: " + e.getMessage(), List.of());
        }
    }

    public static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
