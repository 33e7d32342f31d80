package io.hookrelay.ingest.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.contract.WireHeaders;
import io.hookrelay.event.EventFields;
import io.hookrelay.event.EventValidator;
import io.hookrelay.event.FieldError;
import io.hookrelay.event.ValidationResult;
import io.hookrelay.http.ApiError;
import io.hookrelay.http.ApiKeys;
import io.hookrelay.http.ErrorCodes;
import io.hookrelay.http.HttpApi;
import io.hookrelay.http.JsonBody;
import io.hookrelay.kafka.AcknowledgedSends;
import io.hookrelay.logging.LogLine;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events} (contract §5): checks a batch whole, then produces every event to its
 * family's topic, where the ingest Streams app validates and deduplicates it like any record an
 * operator produces directly. The batch is all-or-nothing on the way in: one bad event refuses the
 * batch and nothing is written. On the way out, 202 means Kafka acknowledged every record; any
 * failed send answers 503 and the caller retries the batch, which event ids make safe.
 */
final class EventsEndpoint {

    static final int MAX_BATCH = 500;
    /** 1 MiB, the largest events body (contract §5). */
    static final int EVENTS_LIMIT = 1_048_576;
    /** A refusal's log line names at most this many bad fields, each cut to the next limit (chars). */
    private static final int MAX_LOGGED_FIELDS = 5;
    private static final int MAX_LOGGED_FIELD_CHARS = 40;
    private static final Logger log = LoggerFactory.getLogger(EventsEndpoint.class);

    private final ApiKeys keys;
    private final Producer<String, byte[]> producer;
    private final WriteHealth health;
    private final EventValidator validator;
    private final Counter accepted;
    private final Counter rejected;
    private final MeterRegistry metrics;

    EventsEndpoint(ApiKeys keys, Producer<String, byte[]> producer, WriteHealth health, MeterRegistry metrics,
                   Clock clock) {
        this.validator = new EventValidator(clock);
        this.keys = keys;
        this.producer = producer;
        this.health = health;
        this.metrics = metrics;
        // Registered up front, so every series shows at 0 rather than appearing on the first refusal.
        for (String code : ApiErrors.INPUT_ERRORS) {
            refusals(code);
        }
        this.accepted = Counter.builder("hookrelay.ingest.events").tag("outcome", "accepted")
                .description("Events of POST /v1/events acknowledged by Kafka").register(metrics);
        this.rejected = Counter.builder("hookrelay.ingest.events").tag("outcome", "rejected")
                .description("Events of POST /v1/events refused as invalid or as another operator's").register(metrics);
    }

    void post(Context ctx) {
        String operator = null;
        List<ValidationResult> results;
        try {
            operator = keys.operatorOf(ctx);
            JsonNode body = JsonBody.read(ctx, EVENTS_LIMIT);
            results = check(batch(body), operator);
        } catch (ApiError e) {
            refused(e, operator);
            throw e;
        }
        answerOnceAcknowledged(ctx, operator, results);
    }

    /**
     * Counts a refused request in {@code hookrelay_ingest_rejected_total{source="http",reason=<error code>}}
     * and logs one line: the code, the status, the operator and the names of the bad fields, never
     * their values, the body or the key.
     */
    private void refused(ApiError e, String operator) {
        if (e.status() >= 500) {
            return;
        }
        refusals(e.code()).increment();
        log.info("{}", LogLine.event("input.rejected").with("source", "http").with("reason", e.code())
                .with("status", e.status()).with("operator_id", operator).with("fields", fieldNames(e.details())));
    }

    private Counter refusals(String code) {
        // The same family as the Streams app's rejections (source="stream", IngestMetrics).
        return Counter.builder("hookrelay.ingest.rejected")
                .description("Input refused by ingest, by where it came in and why")
                .tag("source", "http")
                .tag("reason", code)
                .register(metrics);
    }

    /** The distinct fields named by the details, a few at most and each cut short, or null when none. */
    private static String fieldNames(List<?> details) {
        Set<String> names = new LinkedHashSet<>();
        for (Object d : details) {
            if (d instanceof Map<?, ?> m && m.get("field") != null && names.size() < MAX_LOGGED_FIELDS) {
                String f = m.get("field").toString();
                names.add(f.length() <= MAX_LOGGED_FIELD_CHARS ? f : f.substring(0, MAX_LOGGED_FIELD_CHARS) + "...");
            }
        }
        return names.isEmpty() ? null : String.join(",", names);
    }

    private void answerOnceAcknowledged(Context ctx, String operator, List<ValidationResult> results) {
        // handleAsync: the acknowledgement arrives on the producer's I/O thread, which must not write HTTP responses.
        ctx.future(() -> produce(results).handleAsync((ignored, failure) -> {
            if (failure != null) {
                health.failed();
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                log.warn("Kafka did not acknowledge a batch of {} events from operator {}: {}", results.size(), operator,
                        cause.toString());
                throw ApiError.kafkaUnavailable("Kafka did not acknowledge every event of the batch (" + cause.getMessage()
                        + "); nothing is accepted: send the same batch again, event ids make the retry safe");
            }
            health.succeeded();
            accepted.increment(results.size());
            List<String> ids = results.stream().map(r -> r.canonical().get(EventFields.EVENT_ID).asText()).toList();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("accepted", ids.size());
            answer.put("event_ids", ids);
            HttpApi.json(ctx, 202, answer);
            return null;
        }));
    }

    private List<JsonNode> batch(JsonNode body) {
        if (!body.isArray()) {
            return List.of(body);
        }
        if (body.isEmpty()) {
            throw new ApiError(400, ErrorCodes.INVALID_REQUEST, "The batch is empty; send one event or an array of 1 to "
                    + MAX_BATCH + " events");
        }
        if (body.size() > MAX_BATCH) {
            rejected.increment(body.size());
            throw new ApiError(400, ErrorCodes.INVALID_REQUEST, "The batch holds " + body.size()
                    + " events, more than the limit of " + MAX_BATCH + " per request; split it");
        }
        List<JsonNode> out = new ArrayList<>(body.size());
        body.forEach(out::add);
        return out;
    }

    /** Validates the whole batch and reports every problem of every event at once. */
    private List<ValidationResult> check(List<JsonNode> events, String operator) {
        List<ValidationResult> results = new ArrayList<>(events.size());
        List<Map<String, Object>> invalid = new ArrayList<>();
        List<String> invalidText = new ArrayList<>();
        List<Map<String, Object>> foreign = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            ValidationResult r = validator.validate(events.get(i), null);
            results.add(r);
            for (FieldError e : r.errors()) {
                invalid.add(detail(i, e.field(), e.message()));
                invalidText.add("[" + i + "] " + e);
            }
            JsonNode op = events.get(i).get(EventFields.OPERATOR_ID);
            if (op != null && op.isTextual() && !op.textValue().equals(operator)) {
                foreign.add(detail(i, EventFields.OPERATOR_ID, "is '" + op.textValue()
                        + "', but the API key belongs to operator '" + operator + "'"));
            }
        }
        // Another operator's event is refused before any validation detail: the key may not write it at all.
        if (!foreign.isEmpty()) {
            rejected.increment(events.size());
            throw new ApiError(403, ErrorCodes.FORBIDDEN, foreign.size() + " of " + events.size()
                    + " events name another operator_id than the API key's operator '" + operator
                    + "'; nothing was accepted", foreign);
        }
        if (!invalid.isEmpty()) {
            rejected.increment(events.size());
            long bad = results.stream().filter(r -> !r.valid()).count();
            throw new ApiError(400, ErrorCodes.INVALID_EVENT, bad + " of " + events.size()
                    + " events are invalid, so none was accepted: " + ApiErrors.summarize(invalidText, 3), invalid);
        }
        return results;
    }

    private static Map<String, Object> detail(int index, String field, String message) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("index", index);
        d.put("field", field);
        d.put("message", message);
        return d;
    }

    /** Sends every event; completes when Kafka has acknowledged all of them, or exceptionally when any failed. */
    private CompletableFuture<Void> produce(List<ValidationResult> events) {
        List<CompletableFuture<Void>> acks = new ArrayList<>(events.size());
        for (ValidationResult r : events) {
            ObjectNode event = r.canonical();
            JsonNode key = event.get(r.family().orderingKeyField());
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(r.family().topic(),
                    key == null ? null : key.asText(), Json.bytes(event));
            record.headers().add(WireHeaders.CONTENT_TYPE, WireHeaders.APPLICATION_JSON.getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Void> ack = AcknowledgedSends.send(producer, record);
            acks.add(ack);
            // A send that fails at once (no metadata within max.block.ms: the cluster is unreachable)
            // would fail the same way for every following record, each after the same wait.
            if (ack.isCompletedExceptionally()) {
                break;
            }
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }
}
