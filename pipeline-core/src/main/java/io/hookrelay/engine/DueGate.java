package io.hookrelay.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;

/**
 * The timers of the partitions that wait: for each, the epoch ms at which the record at
 * its head falls due and the partition may be read again. Each partition waits on its own, so a
 * long tier never holds up a short one. Used by the poll thread only.
 *
 * <p>A map scanned once per poll rather than a priority queue: a consumer owns at most a few
 * hundred partitions, and a map cannot fall out of step with what a rebalance took away.
 */
final class DueGate {

    private final Map<TopicPartition, Long> heldUntil = new HashMap<>();

    /** Keeps {@code tp} paused until {@code dueAt} (epoch ms). */
    void hold(TopicPartition tp, long dueAt) {
        heldUntil.put(tp, dueAt);
    }

    boolean isHeld(TopicPartition tp) {
        return heldUntil.containsKey(tp);
    }

    /** Lets go of every partition whose time has come at {@code now} (epoch ms) and returns them. */
    List<TopicPartition> release(long now) {
        List<TopicPartition> due = new ArrayList<>();
        heldUntil.entrySet().removeIf(e -> {
            if (e.getValue() <= now) {
                due.add(e.getKey());
                return true;
            }
            return false;
        });
        return due;
    }

    /** The earliest time a held partition falls due (epoch ms), {@link Long#MAX_VALUE} when none waits. */
    long nextDueAt() {
        long next = Long.MAX_VALUE;
        for (long t : heldUntil.values()) {
            next = Math.min(next, t);
        }
        return next;
    }

    /** Drops the timers of partitions this consumer no longer owns; their next owner reads the head again. */
    void forget(Collection<TopicPartition> tps) {
        tps.forEach(heldUntil::remove);
    }

    /** Drops every timer: a new consumer reads every head again. */
    void clear() {
        heldUntil.clear();
    }

    int size() {
        return heldUntil.size();
    }
}
