/**
 * The delivery log and endpoint health of the dispatcher-service (issue 4, items 1 to 3).
 *
 * <p>A Kafka Streams app ({@code hookrelay-status}) reads every attempt on {@code webhooks.attempts}
 * and every dead letter on {@code webhooks.dlq}, both already in their subscription id's partition, and keeps three
 * stores per partition: each delivery's state and attempts, a time index of each subscription's
 * deliveries, and each subscription's health aggregate. The stores are changelogged, so they come
 * back from Kafka after a restart, and bounded: deliveries expire after {@code WEBHOOKS_STATUS_RETENTION},
 * health is a fixed-size aggregate. A wall-clock punctuator disables subscriptions that have failed
 * for {@code WEBHOOKS_DISABLE_AFTER} and writes alerts to {@code webhooks.alerts}.
 *
 * <p>The query API ({@link io.hookrelay.dispatcher.status.StatusService#mount}) answers on the
 * dispatcher's HTTP port for every partition: a subscription's stores live on the instance that owns
 * its partition, and any instance forwards a query there (Kafka Streams interactive queries).
 */
package io.hookrelay.dispatcher.status;
