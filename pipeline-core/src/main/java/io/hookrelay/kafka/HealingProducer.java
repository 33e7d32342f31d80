package io.hookrelay.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * An idempotent producer that heals itself. A {@code KafkaProducer} rides out broker restarts and
 * leader changes on its own (it retries until {@code delivery.timeout.ms}, then fails that send
 * only), but once its idempotence state is fatal, every later send fails at once, forever: an
 * unexpected {@code InitProducerId} answer, a fenced producer id, a protocol mismatch. Then this
 * closes it and builds a new one with a new producer id, after a {@link Backoff}; the send that
 * found it broken still fails, so the caller's own retry (the dispatcher's write-until-durable, a
 * client's repeated request) goes out on the new one. Each rebuild is counted and logged by
 * {@link Recoveries}.
 *
 * <p>Meters bound to this object ({@code KafkaClientMetrics}) follow the current client, since
 * they read {@link #metrics()} each time.
 */
public final class HealingProducer implements Producer<String, byte[]> {

    private final String component;
    private final Supplier<Producer<String, byte[]>> factory;
    private final Recoveries recoveries;
    private final Backoff backoff = new Backoff();
    private volatile Producer<String, byte[]> current;
    /** Before this (System.nanoTime) no new rebuild starts: the backoff. */
    private long nextRebuildNanos = Long.MIN_VALUE;
    private volatile boolean closed;

    public HealingProducer(String component, Supplier<Producer<String, byte[]>> factory, Recoveries recoveries) {
        this.component = component;
        this.factory = factory;
        this.recoveries = recoveries;
        this.current = factory.get();
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        return send(record, null);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
        Producer<String, byte[]> p = current;
        try {
            return p.send(record, (metadata, e) -> {
                if (e != null && isFatal(e)) {
                    rebuild(p, e);
                }
                if (callback != null) {
                    callback.onCompletion(metadata, e);
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            // Thrown by send() itself: a producer in a fatal state (or closed under us) says so on every send.
            if (!closed && !isOrdinary(e)) {
                rebuild(p, e);
            }
            throw e;
        }
    }

    /** Errors that say the client itself can send no more; everything else fails one send only. */
    static boolean isFatal(Exception e) {
        return e instanceof ProducerFencedException || e instanceof UnsupportedVersionException
                || e instanceof AuthorizationException;
    }

    /** What send() throws on a healthy client: the cluster slow or gone, the record itself, our own interrupt. */
    private static boolean isOrdinary(RuntimeException e) {
        return e instanceof TimeoutException || e instanceof SerializationException
                || e instanceof RecordTooLargeException || e instanceof InterruptException;
    }

    /** Swaps in a new client for {@code broken}, unless another thread already did, at most once per backoff. */
    private synchronized void rebuild(Producer<String, byte[]> broken, Exception cause) {
        if (closed || current != broken || System.nanoTime() < nextRebuildNanos) {
            return;
        }
        Duration wait = backoff.next();
        nextRebuildNanos = System.nanoTime() + wait.toNanos();
        recoveries.record(component, Recoveries.Action.REBUILD_CLIENT, cause, wait);
        current = factory.get();
        // Not from the callback's thread (the old client's I/O thread) with a wait: close(0) there.
        broken.close(Duration.ZERO);
    }

    @Override
    public void flush() {
        current.flush();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        return current.partitionsFor(topic);
    }

    @Override
    public Map<MetricName, ? extends Metric> metrics() {
        return current.metrics();
    }

    @Override
    public Uuid clientInstanceId(Duration timeout) {
        return current.clientInstanceId(timeout);
    }

    @Override
    public void registerMetricForSubscription(KafkaMetric metric) {
        current.registerMetricForSubscription(metric);
    }

    @Override
    public void unregisterMetricFromSubscription(KafkaMetric metric) {
        current.unregisterMetricFromSubscription(metric);
    }

    @Override
    public void close() {
        closed = true;
        current.close();
    }

    @Override
    public void close(Duration timeout) {
        closed = true;
        current.close(timeout);
    }

    // Not transactional: the services' producers are idempotent only (Streams owns the transactions).

    @Override
    public void initTransactions() {
        throw notTransactional();
    }

    @Override
    public void beginTransaction() {
        throw notTransactional();
    }

    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata groupMetadata) {
        throw notTransactional();
    }

    @Override
    public void commitTransaction() {
        throw notTransactional();
    }

    @Override
    public void abortTransaction() {
        throw notTransactional();
    }

    private static UnsupportedOperationException notTransactional() {
        return new UnsupportedOperationException("HealingProducer is an idempotent, non-transactional producer");
    }
}
