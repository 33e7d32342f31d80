package io.hookrelay.ingest.api;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.contract.Topics;
import io.hookrelay.delivery.WebhookSender;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.JsonBody;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Secrets;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import io.hookrelay.subscription.SubscriptionPublisher;
import io.hookrelay.subscription.TargetPolicy;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/subscriptions} (contract §5). Kafka is the only store: reads come from this process's
 * catalog of {@code webhooks.subscriptions}, writes go to that topic and are answered once Kafka
 * acknowledged them. A key sees only its operator's subscriptions; another operator's id answers
 * 404, exactly like an id that does not exist. Secrets appear in the create answer, on
 * {@code GET /v1/subscriptions/{id}/secret} and in the answer of a rotation only; the
 * {@code player_ref_key} in no answer at all.
 */
final class SubscriptionsEndpoint {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionsEndpoint.class);
    private static final Comparator<Subscription> NEWEST_FIRST = Comparator
            .comparing(Subscription::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(Subscription::id);

    /** The id a previewed subscription renders with ({@code {webhook_id}} is a delivery's, derived from it). */
    static final String PREVIEW_ID = "sub_preview";

    private final ApiKeys keys;
    private final SubscriptionCatalog catalog;
    private final SubscriptionPublisher publisher;
    private final TargetPolicy targets;
    private final Clock clock;
    private final WriteHealth health;
    private final TestFire testFire;
    private final Duration rotationGrace;

    SubscriptionsEndpoint(ApiKeys keys, SubscriptionCatalog catalog, SubscriptionPublisher publisher,
                          TargetPolicy targets, Clock clock, WriteHealth health, TestFire testFire,
                          Duration rotationGrace) {
        this.keys = keys;
        this.catalog = catalog;
        this.publisher = publisher;
        this.targets = targets;
        this.clock = clock;
        this.health = health;
        this.testFire = testFire;
        this.rotationGrace = rotationGrace;
    }

    void create(Context ctx) {
        String operator = keys.operatorOf(ctx);
        JsonNode body = JsonBody.read(ctx, JsonBody.OBJECT_LIMIT);
        Subscription s = SubscriptionBody.create(body, targets, Secrets.newSubscriptionId(), operator,
                Secrets.newSecret(), clock.instant());
        write(ctx, "create", s.id(), publisher.put(s), saved -> {
            log.info("{}", line("subscription.created", saved));
            HttpApi.json(ctx, 201, saved.withoutPlayerRefKey());
        });
    }

    /**
     * {@code POST /v1/subscriptions/preview}: a create body checked exactly as a create would check it
     * (the same 400s), and what it would send for a sample event; nothing is stored.
     */
    void preview(Context ctx) {
        String operator = keys.operatorOf(ctx);
        JsonNode body = JsonBody.read(ctx, JsonBody.OBJECT_LIMIT);
        Subscription s = SubscriptionBody.create(body, targets, PREVIEW_ID, operator, Secrets.newSecret(), clock.instant());
        HttpApi.json(ctx, 200, testFire.preview(s));
    }

    void list(Context ctx) {
        String operator = keys.operatorOf(ctx);
        requireLoaded();
        List<Subscription> data = catalog.forOperator(operator).stream()
                .sorted(NEWEST_FIRST).map(Subscription::withoutSecret).toList();
        HttpApi.json(ctx, 200, Map.of("data", data));
    }

    void get(Context ctx) {
        HttpApi.json(ctx, 200, owned(ctx, keys.operatorOf(ctx)).withoutSecret());
    }

    void secret(Context ctx) {
        HttpApi.json(ctx, 200, Map.of("secret", owned(ctx, keys.operatorOf(ctx)).secret()));
    }

    /**
     * {@code POST /v1/subscriptions/{id}/secret/rotate}: a new current secret, the old one signing too
     * for {@code WEBHOOKS_SECRET_ROTATION_GRACE}. Answers the new secret once Kafka has the change.
     */
    void rotateSecret(Context ctx) {
        String operator = keys.operatorOf(ctx);
        Subscription current = owned(ctx, operator);
        Subscription rotated = current.withRotatedSecret(Secrets.newSecret(), rotationGrace, clock.instant());
        write(ctx, "secret rotation", current.id(), publisher.put(rotated), saved -> {
            log.info("{}", line("subscription.secret_rotated", saved)
                    .with("previous_secret_expires_at", saved.previousSecretExpiresAt()));
            HttpApi.json(ctx, 200, Map.of("secret", saved.secret(),
                    "previous_secret_expires_at", saved.previousSecretExpiresAt()));
        });
    }

    void patch(Context ctx) {
        String operator = keys.operatorOf(ctx);
        Subscription current = owned(ctx, operator);
        JsonNode body = JsonBody.read(ctx, JsonBody.OBJECT_LIMIT);
        Subscription changed = SubscriptionBody.patch(body, targets, current, clock.instant());
        write(ctx, "change", current.id(), publisher.put(changed), saved -> {
            log.info("{}", line("subscription.changed", saved));
            HttpApi.json(ctx, 200, saved.withoutSecret());
        });
    }

    void delete(Context ctx) {
        String operator = keys.operatorOf(ctx);
        Subscription current = owned(ctx, operator);
        write(ctx, "delete", current.id(), publisher.delete(current.id()), ignored -> {
            log.info("{}", LogLine.event("subscription.deleted").with("operator_id", operator)
                    .with("subscription_id", current.id()));
            ctx.status(204);
        });
    }

    /**
     * {@code POST /v1/subscriptions/{id}/test}: a signed {@code webhook.test} event to the endpoint
     * now, answered 200 with what the endpoint said, whether it accepted it or not. Disabled
     * subscriptions can be tested too.
     */
    void test(Context ctx) {
        String operator = keys.operatorOf(ctx);
        Subscription s = owned(ctx, operator);
        // thenApplyAsync: the result arrives on an HTTP I/O thread, which must not write our response.
        ctx.future(() -> testFire.fire(s).thenApplyAsync(result -> {
            log.info("{}", LogLine.event("subscription.test_fired").with("operator_id", operator)
                    .with("subscription_id", s.id()).with("webhook_id", result.webhookId())
                    .with("endpoint", WebhookSender.endpointOf(s.url())).with("status", result.attempt().status())
                    .with("latency_ms", result.attempt().latencyMs()).with("delivered", result.delivered())
                    .with("error", result.error()));
            HttpApi.json(ctx, 200, result.answer());
            return null;
        }));
    }

    /** A subscription as logs may show it: ids and {@code scheme://host[:port]}, never the path, query or secret. */
    private static LogLine line(String event, Subscription s) {
        return LogLine.event(event).with("operator_id", s.operatorId()).with("subscription_id", s.id())
                .with("endpoint", WebhookSender.endpointOf(s.url())).with("enabled", s.enabled());
    }

    /** The subscription named by the path, if the key's operator owns it. */
    private Subscription owned(Context ctx, String operator) {
        requireLoaded();
        String id = ctx.pathParam("id");
        return catalog.get(id).filter(s -> s.operatorId().equals(operator))
                .orElseThrow(() -> ApiErrors.subscriptionNotFound(id));
    }

    private void requireLoaded() {
        // Before the catalog has read the whole topic, a 404 or a short list would be a lie.
        if (!catalog.isCaughtUp()) {
            throw ApiError.kafkaUnavailable("The subscriptions are still loading from " + Topics.SUBSCRIPTIONS
                    + "; retry in a few seconds");
        }
    }

    /** Answers with {@code then} once Kafka acknowledged the write, or 503 when it did not. */
    private <T> void write(Context ctx, String what, String id, CompletableFuture<T> ack, Consumer<T> then) {
        // handleAsync: the acknowledgement arrives on the producer's I/O thread, which must not write HTTP responses.
        ctx.future(() -> ack.handleAsync((value, failure) -> {
            if (failure != null) {
                health.failed();
                Throwable cause = failure.getCause() != null && failure instanceof CompletionException
                        ? failure.getCause() : failure;
                log.warn("Kafka did not acknowledge the {} of subscription {}: {}", what, id, cause.toString());
                throw ApiError.kafkaUnavailable("Kafka did not acknowledge the " + what + " of subscription " + id
                        + " on " + Topics.SUBSCRIPTIONS + " (" + cause.getMessage() + "); retry the request");
            }
            health.succeeded();
            then.accept(value);
            return null;
        }));
    }
}
