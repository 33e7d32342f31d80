/**
 * The status query API on the dispatcher's HTTP port: an event's deliveries, a subscription's
 * deliveries and health. A subscription's stores live on the instance that owns its partition;
 * {@link io.hookrelay.dispatcher.status.query.StatusQueries} says which, and any instance forwards
 * a query there ({@link io.hookrelay.dispatcher.status.query.StatusForwarder}, Kafka Streams
 * interactive queries).
 */
package io.hookrelay.dispatcher.status.query;
