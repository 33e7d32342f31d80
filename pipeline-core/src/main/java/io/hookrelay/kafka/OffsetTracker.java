package io.hookrelay.kafka;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which fetched records are complete, per partition, and so how far the group may commit: to just
 * past the contiguous prefix of complete records. A record behind an incomplete one is never
 * committed, so a crash replays it rather than losing the one before it.
 *
 * <p>Used by the poll thread only; the one exception is {@link Pending#complete()}, which any
 * thread may call and which only flips a volatile flag.
 */
public final class OffsetTracker {

    /** One fetched record waiting for its deliveries' outcomes to be durable. */
    public static final class Pending {
        final long offset;
        private volatile boolean complete;

        Pending(long offset) {
            this.offset = offset;
        }

        public void complete() {
            complete = true;
        }
    }

    private static final class Partition {
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        /** The next offset to consume after the complete prefix; -1 before the first complete record. */
        long completeUpTo = -1;
        /** The highest position the broker has acknowledged as committed. */
        long committed = -1;
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    public Pending track(TopicPartition tp, long offset) {
        Pending p = new Pending(offset);
        partitions.computeIfAbsent(tp, k -> new Partition()).pending.addLast(p);
        return p;
    }

    /** Positions to commit: every partition whose complete prefix has grown past what was committed. */
    public Map<TopicPartition, OffsetAndMetadata> committable() {
        return committable(partitions.keySet());
    }

    public Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> only) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : only) {
            Partition p = partitions.get(tp);
            if (p == null) {
                continue;
            }
            while (!p.pending.isEmpty() && p.pending.peekFirst().complete) {
                p.completeUpTo = p.pending.pollFirst().offset + 1;
            }
            if (p.completeUpTo > p.committed) {
                out.put(tp, new OffsetAndMetadata(p.completeUpTo));
            }
        }
        return out;
    }

    /** Notes a commit the broker acknowledged. */
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            Partition p = partitions.get(tp);
            if (p != null) {
                p.committed = Math.max(p.committed, om.offset());
            }
        });
    }

    /** Drops the state of partitions this consumer no longer owns; their incomplete records will be replayed. */
    public void forget(Collection<TopicPartition> tps) {
        tps.forEach(partitions::remove);
    }

    /** Records fetched and not yet committable, across partitions. */
    public int waiting() {
        return partitions.values().stream().mapToInt(p -> p.pending.size()).sum();
    }
}
