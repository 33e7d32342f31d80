package io.hookrelay.retry.service;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.hookrelay.config.PipelineConfig;
import io.hookrelay.event.FieldError;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.JsonBody;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter API of the retry-service (contract §5), scoped to the operator of the bearer key:
 * {@code GET /v1/dead-letters} lists letters, {@code POST /v1/dead-letters/redrive} puts them back
 * on the first retry tier. Both take the filters of {@link DeadLetterQuery} as query parameters
 * (the redrive also as a JSON object body). Letters whose value does not read as a delivery have
 * no operator, so no key ever sees them; ops see them with the command line.
 *
 * <p>Answers: list {@code 200 {"data": [...], "has_more", "next_since"}}; redrive
 * {@code 200 {"redriven", "topic", "skipped": {"invalid", "older_duplicate"}, "has_more", "next_since"}},
 * sent only once Kafka acknowledged every write; 400 {@code invalid_request} naming each bad
 * parameter, 401, and 503 {@code kafka_unavailable} when the topic cannot be read or a write was
 * not acknowledged (retrying is safe).
 */
public final class DeadLetterRoutes {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRoutes.class);

    static final Duration STALL_TIMEOUT = Duration.ofSeconds(15);

    private final ApiKeys keys;
    private final DeadLetters deadLetters;
    private final Producer<String, byte[]> producer;

    private DeadLetterRoutes(ApiKeys keys, DeadLetters deadLetters, Producer<String, byte[]> producer) {
        this.keys = keys;
        this.deadLetters = deadLetters;
        this.producer = producer;
    }

    /**
     * Registers the dead-letter routes; call from the routes of {@link HttpApi#start}.
     *
     * @param config   the API keys, the broker and the retry schedule (whose first tier redrives write to)
     * @param clock    sets the due time of redriven deliveries
     * @param producer a durable producer (acks=all, idempotent), shared with the service
     */
    public static void mount(RoutesConfig routes, PipelineConfig config, Clock clock, Producer<String, byte[]> producer) {
        mount(routes, config, clock, producer, STALL_TIMEOUT);
    }

    static void mount(RoutesConfig routes, PipelineConfig config, Clock clock, Producer<String, byte[]> producer,
                      Duration stallTimeout) {
        DeadLetterRoutes r = new DeadLetterRoutes(new ApiKeys(config.get(PipelineConfig.API_KEYS)),
                new DeadLetters(config.bootstrapServers(), config.get(PipelineConfig.RETRY_SCHEDULE), clock, stallTimeout),
                producer);
        routes.get("/v1/dead-letters", r::list);
        routes.post("/v1/dead-letters/redrive", r::redrive);
    }

    private void list(Context ctx) {
        String operator = keys.operatorOf(ctx);
        DeadLetterQuery query = query(ctx, queryParameters(ctx), operator,
                DeadLetterQuery.LIST_DEFAULT_LIMIT, DeadLetterQuery.LIST_MAX_LIMIT);
        DeadLetters.Page page = kafka(() -> deadLetters.list(query));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", page.letters().stream().map(DeadLetter::toApiJson).toList());
        body.put("has_more", page.hasMore());
        body.put("next_since", page.nextSince());
        HttpApi.json(ctx, 200, body);
    }

    private void redrive(Context ctx) {
        String operator = keys.operatorOf(ctx);
        Map<String, String> params = queryParameters(ctx);
        Map<String, String> fromBody = bodyParameters(ctx);
        if (!params.isEmpty() && !fromBody.isEmpty()) {
            throw ApiError.badRequest("Give the filters either as query parameters or as a JSON body, not both",
                    List.of(new FieldError("body", "filters are also given as query parameters " + params.keySet())));
        }
        DeadLetterQuery query = query(ctx, params.isEmpty() ? fromBody : params, operator,
                DeadLetterQuery.REDRIVE_DEFAULT_LIMIT, DeadLetterQuery.REDRIVE_MAX_LIMIT);
        DeadLetters.Redrive r = kafka(() -> deadLetters.redrive(query, producer));
        log.info("Operator {} redrove {} dead letters to {} (subscription_id={}, reason={}, since={}, until={}, "
                        + "limit={}; skipped {} older duplicates; more match: {})", operator, r.redriven(), r.topic(),
                query.subscriptionId(), query.reason() == null ? null : query.reason().wire(), query.since(),
                query.until(), query.limit(), r.skippedOlder(), r.hasMore());
        Map<String, Object> skipped = new LinkedHashMap<>();
        skipped.put("invalid", r.skippedInvalid());
        skipped.put("older_duplicate", r.skippedOlder());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("redriven", r.redriven());
        body.put("topic", r.topic());
        body.put("skipped", skipped);
        body.put("has_more", r.hasMore());
        body.put("next_since", r.nextSince());
        HttpApi.json(ctx, 200, body);
    }

    private static DeadLetterQuery query(Context ctx, Map<String, String> params, String operator, int defaultLimit,
                                         int maxLimit) {
        try {
            return DeadLetterQuery.parse(params, operator, defaultLimit, maxLimit);
        } catch (DeadLetterQuery.InvalidFilters e) {
            throw ApiError.badRequest("Invalid filters for " + ctx.method() + " " + ctx.path() + ": " + e.getMessage(),
                    e.problems());
        }
    }

    private static Map<String, String> queryParameters(Context ctx) {
        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : ctx.queryParamMap().entrySet()) {
            if (e.getValue().size() > 1) {
                throw ApiError.badRequest("The query parameter " + e.getKey() + " is given " + e.getValue().size()
                        + " times; give it once", List.of(new FieldError(e.getKey(), "given " + e.getValue().size()
                        + " times: " + e.getValue())));
            }
            params.put(e.getKey(), e.getValue().isEmpty() ? null : e.getValue().get(0));
        }
        return params;
    }

    /** The filters of a JSON object body; none for an empty body. */
    private static Map<String, String> bodyParameters(Context ctx) {
        JsonNode body = JsonBody.optionalObject(ctx, JsonBody.OBJECT_LIMIT,
                "of filters such as {\"subscription_id\": \"sub_...\", \"reason\": \"exhausted\"}, or none");
        if (body == null) {
            return Map.of();
        }
        Map<String, String> params = new LinkedHashMap<>();
        body.fields().forEachRemaining(f -> {
            JsonNode v = f.getValue();
            if (v.isTextual() || v.isIntegralNumber()) {
                params.put(f.getKey(), v.asText());
            } else if (v.isNull()) {
                params.put(f.getKey(), null);
            } else {
                throw ApiError.badRequest("The filter " + f.getKey() + " must be a string",
                        List.of(new FieldError(f.getKey(), "must be a string, got " + v.getNodeType().name().toLowerCase())));
            }
        });
        return params;
    }

    private static <T> T kafka(Supplier<T> call) {
        try {
            return call.get();
        } catch (DeadLetters.UnavailableException e) {
            log.warn("Dead-letter request failed: {}", e.getMessage());
            throw ApiError.kafkaUnavailable(e.getMessage() + "; retry the request");
        }
    }
}
