package io.hookrelay.dispatcher.status.store;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A record the status app writes to a pipeline topic ({@code webhooks.alerts}, or
 * {@code webhooks.subscriptions} when it disables one): the topic and the JSON value. Written inside
 * the app's transaction, together with the store change that caused it.
 */
record Outbound(String topic, byte[] value) {

    /** Writes the value's bytes as they are; the topic is picked by the sink. */
    static final Serde<Outbound> SERDE = Serdes.serdeFrom(
            (topic, o) -> o == null ? null : o.value(),
            (topic, bytes) -> {
                throw new UnsupportedOperationException("the status app never reads what it writes");
            });
}
