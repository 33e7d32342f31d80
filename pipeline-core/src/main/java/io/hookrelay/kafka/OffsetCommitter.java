package io.hookrelay.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

import io.hookrelay.logging.LogLine;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit side of a consumer that hands records to asynchronous work and commits only the
 * contiguous prefix whose work is durable (the dispatcher and the retry-service): periodic async
 * commits, the final sync commit, rebalance bookkeeping and the connection check. Used from the
 * poll thread only, as the consumer itself; work completes through {@link OffsetTracker.Pending}.
 */
public final class OffsetCommitter {

    private static final Logger log = LoggerFactory.getLogger(OffsetCommitter.class);
    private static final long COMMIT_INTERVAL_MS = 200;
    private static final long CONNECTION_CHECK_MS = 1000;

    private final Consumer<?, ?> consumer;
    private final String group;
    private final String clientId;
    private final OffsetTracker tracker = new OffsetTracker();
    private long lastCommitMs;
    private long lastConnectionCheckMs;
    private volatile boolean connected;

    public OffsetCommitter(Consumer<?, ?> consumer, String group, String clientId) {
        this.consumer = consumer;
        this.group = group;
        this.clientId = clientId;
    }

    /** Notes a record handed to work; the work calls {@code complete()} once its outcome is durable. */
    public OffsetTracker.Pending track(ConsumerRecord<?, ?> r) {
        return tracker.track(new TopicPartition(r.topic(), r.partition()), r.offset());
    }

    /** Commits asynchronously what has become committable, at most every 200 ms. */
    public void commitDue() {
        long now = System.currentTimeMillis();
        if (now - lastCommitMs < COMMIT_INTERVAL_MS) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.committable();
        if (offsets.isEmpty()) {
            return;
        }
        lastCommitMs = now;
        consumer.commitAsync(offsets, (committed, e) -> {
            // Runs on the poll thread, inside poll().
            if (e == null) {
                tracker.committed(committed);
            } else {
                log.warn("Committing offsets {} failed; the next commit covers them", offsets, e);
            }
        });
    }

    /** Commits synchronously everything committable: on the way out. */
    public void commitAll() {
        commitSync(tracker.committable());
    }

    /**
     * Partitions leaving this member: commits what is complete for them and forgets the rest, which
     * their new owner processes again (at least once, under the same webhook-id).
     */
    public void revoked(Collection<TopicPartition> partitions) {
        commitSync(tracker.committable(partitions));
        tracker.forget(partitions);
        logRebalance("partitions.revoked", partitions);
    }

    /** Partitions lost without a revocation: another member may own them already, so no commit. */
    public void lost(Collection<TopicPartition> partitions) {
        tracker.forget(partitions);
        logRebalance("partitions.lost", partitions);
    }

    public void assigned(Collection<TopicPartition> partitions) {
        logRebalance("partitions.assigned", partitions);
    }

    /** Refreshes {@link #connected()} from the consumer's connection count, at most once a second. */
    public void checkConnection() {
        long now = System.currentTimeMillis();
        if (now - lastConnectionCheckMs < CONNECTION_CHECK_MS) {
            return;
        }
        lastConnectionCheckMs = now;
        connected = KafkaClients.connected(consumer.metrics());
    }

    /** Whether the consumer held a broker connection at the last check. */
    public boolean connected() {
        return connected;
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(10));
            tracker.committed(offsets);
        } catch (KafkaException e) {
            log.warn("Committing offsets {} failed; those records will be processed again (same webhook-id)", offsets, e);
        }
    }

    /** One line per change of this member's partitions; none for the empty changes cooperative rebalances report. */
    private void logRebalance(String event, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            log.info("{}", LogLine.event(event).with("group", group).with("client_id", clientId)
                    .with("partitions", partitions.stream().map(TopicPartition::toString).sorted()
                            .collect(Collectors.joining(","))));
        }
    }
}
