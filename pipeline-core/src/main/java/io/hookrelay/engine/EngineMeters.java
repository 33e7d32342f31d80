package io.hookrelay.engine;

import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.SubscriptionLimiter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What the engine counts. Each service keeps these under its own meter names (the dispatcher's
 * {@code hookrelay_deliveries_*}, the retry-service's {@code hookrelay_retry_*}, as the contract
 * names them), so dashboards built on either keep working.
 */
public interface EngineMeters {

    /** The service's registry: the engine's clients bind their Kafka meters and recoveries to it. */
    PrometheusMeterRegistry registry();

    /** A piece of work (a delivery, a dead letter) is in flight from here until its outcome is durable. */
    void started();

    void finished();

    /** What is in flight now: the loop stops fetching at the service's limit. */
    int inFlight();

    /** An attempt whose outcome is durable in Kafka. */
    void attempted(AttemptRecord r);

    /** A delivery parked on a delay topic without an attempt, durable in Kafka. */
    void parked(SubscriptionLimiter.Limit limit);

    /** How many partitions wait for the record at their head to fall due; only delay topics have any. */
    default void waitingPartitions(int n) {
    }
}
