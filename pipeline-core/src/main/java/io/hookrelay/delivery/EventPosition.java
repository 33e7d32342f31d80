package io.hookrelay.delivery;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where an accepted event sits in Kafka: the {@code webhooks.accepted} record the dispatcher took it
 * from. Deliveries and attempt records carry it, and the delivery log keeps it, so a resend or a
 * recover reads the event back from Kafka with one seek instead of keeping a copy elsewhere; ops can
 * read the same record with {@code kafka-console-consumer --partition P --offset O}.
 * Wire contract: {@code {"topic", "partition", "offset"}}.
 */
@JsonPropertyOrder({"topic", "partition", "offset"})
public record EventPosition(@JsonProperty("topic") String topic,
                            @JsonProperty("partition") int partition,
                            @JsonProperty("offset") long offset) {

    public static EventPosition of(ConsumerRecord<?, ?> record) {
        return new EventPosition(record.topic(), record.partition(), record.offset());
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
