/**
 * What the status app keeps: the {@code hookrelay-status} Kafka Streams app
 * ({@link io.hookrelay.dispatcher.status.store.StatusStreamsApp}) reading every attempt on
 * {@code webhooks.attempts} and every dead letter on {@code webhooks.dlq}, each already in its
 * subscription id's partition (a record found elsewhere is moved there first), into three stores per
 * partition: each delivery's state and attempts ({@link io.hookrelay.dispatcher.status.store.DeliveryStatus}),
 * a time index of each subscription's deliveries, and each subscription's health aggregate
 * ({@link io.hookrelay.dispatcher.status.store.SubscriptionHealth}). The stores are changelogged,
 * so they come back from Kafka after a restart, and bounded: deliveries expire after
 * {@code WEBHOOKS_STATUS_RETENTION}, health is a fixed-size aggregate.
 */
package io.hookrelay.dispatcher.status.store;
