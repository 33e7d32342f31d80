package io.hookrelay.dispatcher;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hookrelay.contract.Json;
import io.hookrelay.delivery.Delivery;
import io.hookrelay.delivery.EventPosition;
import io.hookrelay.engine.AttemptRunner;
import io.hookrelay.engine.Due;
import io.hookrelay.engine.Intake;
import io.hookrelay.event.EventFields;
import io.hookrelay.logging.LogLine;
import io.hookrelay.subscription.Subscription;
import io.hookrelay.subscription.SubscriptionCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dispatcher does with an accepted event: one first attempt per matching subscription,
 * all started at once, due now, none waited for ({@link AttemptRunner} admits, sends or parks
 * each). Its outcome completes once every attempt's (or park's) outcome is durable in Kafka, which
 * is when the event's offset may be committed; at once when nothing matches. A record that is not
 * an event is skipped, counted and logged.
 */
final class EventDispatcher implements Intake {

    private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

    private final SubscriptionCatalog catalog;
    private final AttemptRunner runner;
    private final DispatcherMetrics metrics;
    private final Clock clock;

    EventDispatcher(SubscriptionCatalog catalog, AttemptRunner runner, DispatcherMetrics metrics, Clock clock) {
        this.catalog = catalog;
        this.runner = runner;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public Taken take(ConsumerRecord<String, byte[]> record) {
        return Taken.started(dispatch(record));
    }

    private CompletableFuture<Void> dispatch(ConsumerRecord<String, byte[]> record) {
        ObjectNode event = parse(record);
        if (event == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<Subscription> matches = catalog.matching(event);
        if (matches.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        long dueAt = clock.millis();
        EventPosition position = EventPosition.of(record);
        List<CompletableFuture<?>> outcomes = new ArrayList<>(matches.size());
        for (Subscription s : matches) {
            outcomes.add(runner.submit(Due.first(Delivery.first(event, position, s.id(), dueAt)), s));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new));
    }

    private ObjectNode parse(ConsumerRecord<String, byte[]> r) {
        String problem;
        if (r.value() == null) {
            problem = "it has no value";
        } else {
            try {
                JsonNode n = Json.tree(r.value());
                if (n instanceof ObjectNode o && hasText(o, EventFields.OPERATOR_ID) && hasText(o, EventFields.EVENT_ID)
                        && hasText(o, EventFields.EVENT_TYPE)) {
                    return o;
                }
                problem = "it is not a JSON object with operator_id, event_id and event_type";
            } catch (IOException e) {
                problem = "it is not JSON: " + e.getMessage().lines().findFirst().orElse("");
            }
        }
        // The ingest-service validated every accepted event, so this is a bug or a stray writer.
        // Retrying cannot make it readable; skip it, count it, and say where it is.
        metrics.unreadable();
        log.error("{}", LogLine.event("input.unreadable").with("topic", r.topic()).with("partition", r.partition())
                .with("offset", r.offset()).with("error", problem + "; skipped"));
        return null;
    }

    private static boolean hasText(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n != null && n.isValueNode() && !n.isNull() && !n.asText().isEmpty();
    }
}
