package io.hookrelay.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Sends records and tells when Kafka acknowledged them: one at a time as a future ({@link #send},
 * for the pipeline's outcome writes, which must not block), or a batch waited for
 * ({@link #sendAll}: the writes of a redrive, a resend or a recover, which answer their caller only
 * once what they report is durable; all are handed to the producer first, so they travel in a few
 * batches, then each acknowledgement is awaited in order).
 */
public final class AcknowledgedSends {

    private AcknowledgedSends() {
    }

    /**
     * Hands {@code record} to the producer; the future completes once Kafka acknowledged it, and
     * fails when the producer gave up on it or refused it outright ({@code send()} itself throws
     * when it cannot even buffer the record: {@code max.block.ms}, a closed producer).
     */
    public static CompletableFuture<Void> send(Producer<String, byte[]> producer, ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> ack = new CompletableFuture<>();
        try {
            producer.send(record, (md, e) -> {
                if (e != null) {
                    ack.completeExceptionally(e);
                } else {
                    ack.complete(null);
                }
            });
        } catch (RuntimeException e) {
            ack.completeExceptionally(e);
        }
        return ack;
    }

    /**
     * What Kafka did with a batch.
     *
     * @param acknowledged per record, in the order given, whether Kafka acknowledged it
     * @param count        how many were acknowledged
     * @param firstFailure why the first record that was not got nothing; null when every one was
     */
    public record Result(boolean[] acknowledged, int count, String firstFailure) {
    }

    /**
     * Sends {@code records} in order and waits for each acknowledgement, at most {@code timeout}
     * each (a safety net: the producer's own {@code delivery.timeout.ms} fails a send first). A
     * record the producer refuses before sending (no metadata, a full buffer) ends the sending:
     * the rest would wait as long each.
     *
     * @throws InterruptedException while waiting; some records may be acknowledged meanwhile
     */
    public static Result sendAll(Producer<String, byte[]> producer, List<ProducerRecord<String, byte[]>> records,
                                 Duration timeout) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        String failure = null;
        for (ProducerRecord<String, byte[]> r : records) {
            try {
                acks.add(producer.send(r));
            } catch (KafkaException e) {
                failure = "refused before sending: " + e.getMessage();
                break;
            }
        }
        boolean[] acknowledged = new boolean[records.size()];
        int count = 0;
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                acknowledged[i] = true;
                count++;
            } catch (ExecutionException e) {
                failure = failure == null ? String.valueOf(e.getCause()) : failure;
            } catch (TimeoutException e) {
                failure = failure == null ? "no acknowledgement within " + timeout.toSeconds() + " s" : failure;
            }
        }
        return new Result(acknowledged, count, failure);
    }
}
