/**
 * The delivery log and endpoint health of the dispatcher-service (issue 4, items 1 to 3), split by
 * capability: {@code store} (the {@code hookrelay-status} Streams app and what it keeps),
 * {@code query} (the query API and its forwarding to the instance that owns a partition),
 * {@code guard} (failing alerts and auto-disable) and {@code redelivery} (what reads a delivery's event back from Kafka: resend,
 * recover and the body a delivery sends).
 * {@link io.hookrelay.dispatcher.status.StatusService} composes them for the dispatcher.
 */
package io.hookrelay.dispatcher.status;
