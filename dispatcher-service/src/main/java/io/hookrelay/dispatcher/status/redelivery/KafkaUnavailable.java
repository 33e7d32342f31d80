package io.hookrelay.dispatcher.status.redelivery;

/**
 * A resend or recover could not read events back from Kafka, or Kafka did not acknowledge the
 * deliveries it wrote, in time. Answered with 503 {@code kafka_unavailable}; repeating the request
 * is safe, because every delivery keeps its {@code webhook-id} and receivers deduplicate on it.
 */
final class KafkaUnavailable extends RuntimeException {

    KafkaUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
