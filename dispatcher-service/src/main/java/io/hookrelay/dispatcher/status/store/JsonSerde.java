package io.hookrelay.dispatcher.status.store;

import java.io.IOException;

import io.hookrelay.contract.Json;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Values of the legacy status repartition topic as JSON, with the pipeline's one mapper (the stores write {@link StoreFormat}). */
final class JsonSerde {

    private JsonSerde() {
    }

    static <T> Serde<T> of(Class<T> type) {
        return Serdes.serdeFrom(
                (topic, value) -> value == null ? null : Json.bytes(value),
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    try {
                        return Json.MAPPER.readValue(bytes, type);
                    } catch (IOException e) {
                        throw new SerializationException("Cannot read a " + type.getSimpleName() + " from " + topic, e);
                    }
                });
    }
}
