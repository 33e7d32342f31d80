package io.hookrelay.engine;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a service does with one record its {@link CommittingLoop} read: the one place where first
 * attempts and retries differ. Called on the poll thread, so it must not block: it starts the work
 * and hands back its outcome, or says the record is not due yet.
 */
@FunctionalInterface
public interface Intake {

    Taken take(ConsumerRecord<String, byte[]> record);

    /** Either the work started for a record, or the time before which it must not be touched. */
    final class Taken {

        private final CompletableFuture<Void> outcome;
        private final long notBefore;

        private Taken(CompletableFuture<Void> outcome, long notBefore) {
            this.outcome = outcome;
            this.notBefore = notBefore;
        }

        /**
         * @param outcome completes once everything the record called for is durable in Kafka (then
         *                its offset may be committed); fails when it must not be committed
         */
        public static Taken started(CompletableFuture<Void> outcome) {
            return new Taken(outcome, 0);
        }

        /**
         * Not due before {@code dueAt} (epoch ms): its partition is rewound to it and paused until
         * then, and the records behind it wait too. Late, never early.
         */
        public static Taken notBefore(long dueAt) {
            return new Taken(null, dueAt);
        }

        CompletableFuture<Void> outcome() {
            return outcome;
        }

        boolean isStarted() {
            return outcome != null;
        }

        long dueAt() {
            return notBefore;
        }
    }
}
