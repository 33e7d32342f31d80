package io.hookrelay.dispatcher.status.store;

import static io.hookrelay.dispatcher.status.store.StoreFormat.readNullableLong;
import static io.hookrelay.dispatcher.status.store.StoreFormat.readNullableString;
import static io.hookrelay.dispatcher.status.store.StoreFormat.writeNullable;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.hookrelay.delivery.AttemptRecord;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.Encoder;
import org.apache.kafka.common.serialization.Serde;

/**
 * A subscription's health as a fixed-size aggregate of its attempts: counts in 60 one-minute and 24
 * one-hour ring buckets (each slot remembers which minute or hour it counts, and is reset when
 * reused), a latency histogram per minute and per hour, and the current failing streak. Its size
 * never depends on traffic. The value of the {@code subscription-health} store; mutable, owned by
 * one stream task.
 *
 * <p>Buckets are by attempt time ({@code attempted_at}), not by processing time, so rebuilding from
 * the inputs gives the same counts.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class SubscriptionHealth {

    /**
     * Compact, after {@code subscription-health-v2.avsc}: only the slots in use are written, and a
     * minute's latency only in the buckets it counts, so a subscription busy for a minute is about
     * 100 bytes where its JSON was 2.4 KB (every slot, most of them zero). Values written before it
     * are still read: v1 (no minute latency, read as none) and JSON.
     */
    static final Serde<SubscriptionHealth> SERDE = StoreFormat.serde(SubscriptionHealth.class, StoreFormat.V2,
            SubscriptionHealth::write, SubscriptionHealth::read);

    static final int MINUTES = 60;
    static final int HOURS = 24;
    private static final long MINUTE_MS = 60_000L;
    private static final long HOUR_MS = 3_600_000L;

    @JsonProperty("subscription_id") private String subscriptionId;
    @JsonProperty("operator_id") private String operatorId;
    /** Epoch minute each slot counts; 0 for a slot never used. */
    @JsonProperty("minute_ids") private long[] minuteIds = new long[MINUTES];
    @JsonProperty("minute_attempts") private int[] minuteAttempts = new int[MINUTES];
    @JsonProperty("minute_failures") private int[] minuteFailures = new int[MINUTES];
    /** Absent from values written before v2: those minutes count attempts without their latency. */
    @JsonProperty("minute_latency") private int[][] minuteLatency = new int[MINUTES][LatencyBuckets.COUNT];
    /** Epoch hour each slot counts; 0 for a slot never used. */
    @JsonProperty("hour_ids") private long[] hourIds = new long[HOURS];
    @JsonProperty("hour_attempts") private int[] hourAttempts = new int[HOURS];
    @JsonProperty("hour_failures") private int[] hourFailures = new int[HOURS];
    @JsonProperty("hour_latency") private int[][] hourLatency = new int[HOURS][LatencyBuckets.COUNT];

    @JsonProperty("consecutive_failures") private int consecutiveFailures;
    /** Epoch ms of the first failed attempt after the last success; null when the last attempt succeeded. */
    @JsonProperty("failing_since") private Long failingSince;
    @JsonProperty("last_success_at") private Long lastSuccessAt;
    @JsonProperty("last_failure_at") private Long lastFailureAt;
    @JsonProperty("last_failure_status") private int lastFailureStatus;
    @JsonProperty("last_error") private String lastError;
    /** Whether this streak's endpoint.failing alert was written. */
    @JsonProperty("failing_alerted") private boolean failingAlerted;
    /** Epoch ms (and the written subscription's updated_at) of this guard's disable, until the subscription is enabled again. */
    @JsonProperty("auto_disabled_at") private Long autoDisabledAt;
    /** Epoch ms of the latest attempt or dead letter: the entry expires a retention after it. */
    @JsonProperty("last_activity_at") private long lastActivityAt;

    private SubscriptionHealth() {
    }

    SubscriptionHealth(String subscriptionId, String operatorId) {
        this.subscriptionId = subscriptionId;
        this.operatorId = operatorId;
    }

    /** Counts an attempt and moves the failing streak. */
    void record(AttemptRecord a) {
        boolean ok = a.outcome() == AttemptRecord.Outcome.DELIVERED;
        long at = a.attemptedAt();
        count(at, ok, a.latencyMs());
        touch(at);
        if (ok) {
            consecutiveFailures = 0;
            failingSince = null;
            failingAlerted = false;
            lastSuccessAt = lastSuccessAt == null ? at : Math.max(lastSuccessAt, at);
            return;
        }
        if (consecutiveFailures == 0 || failingSince == null) {
            failingSince = at;
        }
        consecutiveFailures++;
        lastFailureAt = at;
        lastFailureStatus = a.status();
        lastError = a.error();
    }

    /** Notes activity without an attempt (a dead letter), which keeps the entry from expiring. */
    void touch(long at) {
        lastActivityAt = Math.max(lastActivityAt, at);
    }

    private void count(long at, boolean ok, long latencyMs) {
        int bucket = LatencyBuckets.index(latencyMs);
        count(at / MINUTE_MS, minuteIds, minuteAttempts, minuteFailures, minuteLatency, ok, bucket);
        count(at / HOUR_MS, hourIds, hourAttempts, hourFailures, hourLatency, ok, bucket);
    }

    /** Counts an attempt in the slot of {@code unit} (an epoch minute or hour) of one ring, resetting a slot reused. */
    private static void count(long unit, long[] ids, int[] attempts, int[] failures, int[][] latency, boolean ok,
                              int bucket) {
        int slot = (int) Math.floorMod(unit, (long) ids.length);
        if (ids[slot] < unit) {
            ids[slot] = unit;
            attempts[slot] = 0;
            failures[slot] = 0;
            latency[slot] = new int[LatencyBuckets.COUNT];
        }
        // A slot already counting a later unit means this attempt is older than the ring for it.
        if (ids[slot] == unit) {
            attempts[slot]++;
            failures[slot] += ok ? 0 : 1;
            latency[slot][bucket]++;
        }
    }

    /**
     * Attempts, failures and latency percentiles in the current minute and the 59 before it (minute
     * resolution). Minutes read from a v1 value count without latency.
     */
    public Window lastHour(long nowMs) {
        return window(nowMs / MINUTE_MS - MINUTES, minuteIds, minuteAttempts, minuteFailures, minuteLatency);
    }

    /**
     * Attempts, failures and latency percentiles in the current hour and the 23 before it (hour
     * resolution: the slot of the hour 24 hours ago is the one the current hour reuses).
     */
    public Window lastDay(long nowMs) {
        return window(nowMs / HOUR_MS - HOURS, hourIds, hourAttempts, hourFailures, hourLatency);
    }

    /** Sums the slots of one ring that count a unit after {@code from}. */
    private static Window window(long from, long[] ids, int[] attempts, int[] failures, int[][] latency) {
        long attempted = 0;
        long failed = 0;
        long[] counts = new long[LatencyBuckets.COUNT];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] > from) {
                attempted += attempts[i];
                failed += failures[i];
                for (int b = 0; b < LatencyBuckets.COUNT; b++) {
                    counts[b] += latency[i][b];
                }
            }
        }
        return new Window(attempted, failed, LatencyBuckets.percentile(counts, 0.50),
                LatencyBuckets.percentile(counts, 0.99));
    }

    /** A health with nothing counted: what a subscription without attempts in the retention shows. */
    public static SubscriptionHealth none() {
        return new SubscriptionHealth();
    }

    /** The current minute and the 59 before it, oldest first, each with its counts (zero when none). */
    public List<Bucket> minuteBuckets(long nowMs) {
        return buckets(nowMs / MINUTE_MS, MINUTES, MINUTE_MS, minuteIds, minuteAttempts, minuteFailures);
    }

    /** The current hour and the 23 before it, oldest first, each with its counts (zero when none). */
    public List<Bucket> hourBuckets(long nowMs) {
        return buckets(nowMs / HOUR_MS, HOURS, HOUR_MS, hourIds, hourAttempts, hourFailures);
    }

    private static List<Bucket> buckets(long current, int size, long unitMs, long[] ids, int[] attempts, int[] failures) {
        List<Bucket> out = new ArrayList<>(size);
        for (long unit = current - size + 1; unit <= current; unit++) {
            int slot = (int) Math.floorMod(unit, (long) size);
            boolean counted = ids[slot] == unit;
            out.add(new Bucket(unit * unitMs, counted ? attempts[slot] : 0, counted ? failures[slot] : 0));
        }
        return out;
    }

    /** One minute's or hour's counts; {@code startMs} is when it begins. */
    public record Bucket(long startMs, long attempts, long failures) {
        public long delivered() {
            return attempts - failures;
        }
    }

    /** Counts over a window; percentiles in ms (bucket bounds), null when no latency was counted. */
    public record Window(long attempts, long failures, Long p50Ms, Long p99Ms) {
        public long delivered() {
            return attempts - failures;
        }
    }

    /** Ends the failing streak without a success: the subscription was enabled again after this guard disabled it. */
    public void restartStreak() {
        consecutiveFailures = 0;
        failingSince = null;
        failingAlerted = false;
        autoDisabledAt = null;
    }

    public void markFailingAlerted() {
        failingAlerted = true;
    }

    public void markAutoDisabled(long at) {
        autoDisabledAt = at;
    }

    public String subscriptionId() {
        return subscriptionId;
    }

    public String operatorId() {
        return operatorId;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public Long failingSince() {
        return failingSince;
    }

    public Long lastSuccessAt() {
        return lastSuccessAt;
    }

    public Long lastFailureAt() {
        return lastFailureAt;
    }

    public int lastFailureStatus() {
        return lastFailureStatus;
    }

    public String lastError() {
        return lastError;
    }

    public boolean failingAlerted() {
        return failingAlerted;
    }

    public Long autoDisabledAt() {
        return autoDisabledAt;
    }

    /**
     * Fields in {@code subscription-health-v2.avsc}'s order; a slot is written when it counts
     * something, and a minute's latency as (bucket, count) pairs of its buckets that count any.
     */
    private static void write(SubscriptionHealth h, Encoder out) throws IOException {
        writeNullable(out, h.subscriptionId);
        writeNullable(out, h.operatorId);
        int minutes = 0;
        for (int i = 0; i < MINUTES; i++) {
            minutes += used(h.minuteIds[i], h.minuteAttempts[i], h.minuteFailures[i]) ? 1 : 0;
        }
        out.writeArrayStart();
        out.setItemCount(minutes);
        for (int i = 0; i < MINUTES; i++) {
            if (used(h.minuteIds[i], h.minuteAttempts[i], h.minuteFailures[i])) {
                out.startItem();
                out.writeInt(i);
                out.writeLong(h.minuteIds[i]);
                out.writeInt(h.minuteAttempts[i]);
                out.writeInt(h.minuteFailures[i]);
                writeSparse(out, h.minuteLatency[i]);
            }
        }
        out.writeArrayEnd();
        int hours = 0;
        for (int i = 0; i < HOURS; i++) {
            hours += used(h.hourIds[i], h.hourAttempts[i], h.hourFailures[i]) ? 1 : 0;
        }
        out.writeArrayStart();
        out.setItemCount(hours);
        for (int i = 0; i < HOURS; i++) {
            if (used(h.hourIds[i], h.hourAttempts[i], h.hourFailures[i])) {
                out.startItem();
                out.writeInt(i);
                out.writeLong(h.hourIds[i]);
                out.writeInt(h.hourAttempts[i]);
                out.writeInt(h.hourFailures[i]);
                out.writeArrayStart();
                out.setItemCount(h.hourLatency[i].length);
                for (int count : h.hourLatency[i]) {
                    out.startItem();
                    out.writeInt(count);
                }
                out.writeArrayEnd();
            }
        }
        out.writeArrayEnd();
        out.writeInt(h.consecutiveFailures);
        writeNullable(out, h.failingSince);
        writeNullable(out, h.lastSuccessAt);
        writeNullable(out, h.lastFailureAt);
        out.writeInt(h.lastFailureStatus);
        writeNullable(out, h.lastError);
        out.writeBoolean(h.failingAlerted);
        writeNullable(out, h.autoDisabledAt);
        out.writeLong(h.lastActivityAt);
    }

    private static boolean used(long id, int attempts, int failures) {
        return id != 0 || attempts != 0 || failures != 0;
    }

    private static void writeSparse(Encoder out, int[] latency) throws IOException {
        int used = 0;
        for (int count : latency) {
            used += count != 0 ? 1 : 0;
        }
        out.writeArrayStart();
        out.setItemCount(used);
        for (int b = 0; b < latency.length; b++) {
            if (latency[b] != 0) {
                out.startItem();
                out.writeInt(b);
                out.writeInt(latency[b]);
            }
        }
        out.writeArrayEnd();
    }

    private static void readSparse(Decoder in, int[] latency) throws IOException {
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long k = 0; k < n; k++) {
                int b = in.readInt();
                if (b < 0) {
                    throw new IOException("latency bucket " + b + " is negative");
                }
                // A bucket beyond today's (written with more of them) goes to the open one.
                latency[Math.min(b, LatencyBuckets.COUNT - 1)] += in.readInt();
            }
        }
    }

    /** Reads v1 (without minute latency) and v2. */
    private static SubscriptionHealth read(Decoder in, byte version) throws IOException {
        SubscriptionHealth h = new SubscriptionHealth(readNullableString(in), readNullableString(in));
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long k = 0; k < n; k++) {
                int i = slot(in.readInt(), MINUTES);
                h.minuteIds[i] = in.readLong();
                h.minuteAttempts[i] = in.readInt();
                h.minuteFailures[i] = in.readInt();
                if (version >= StoreFormat.V2) {
                    readSparse(in, h.minuteLatency[i]);
                }
            }
        }
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long k = 0; k < n; k++) {
                int i = slot(in.readInt(), HOURS);
                h.hourIds[i] = in.readLong();
                h.hourAttempts[i] = in.readInt();
                h.hourFailures[i] = in.readInt();
                int b = 0;
                for (long m = in.readArrayStart(); m != 0; m = in.arrayNext()) {
                    for (long j = 0; j < m; j++, b++) {
                        int count = in.readInt();
                        // Counts beyond today's buckets (written with more of them) go to the open one.
                        h.hourLatency[i][Math.min(b, LatencyBuckets.COUNT - 1)] += count;
                    }
                }
            }
        }
        h.consecutiveFailures = in.readInt();
        h.failingSince = readNullableLong(in);
        h.lastSuccessAt = readNullableLong(in);
        h.lastFailureAt = readNullableLong(in);
        h.lastFailureStatus = in.readInt();
        h.lastError = readNullableString(in);
        h.failingAlerted = in.readBoolean();
        h.autoDisabledAt = readNullableLong(in);
        h.lastActivityAt = in.readLong();
        return h;
    }

    private static int slot(int i, int slots) throws IOException {
        if (i < 0 || i >= slots) {
            throw new IOException("slot " + i + " outside 0.." + (slots - 1));
        }
        return i;
    }

    long lastActivityAt() {
        return lastActivityAt;
    }
}
