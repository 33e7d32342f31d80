package io.hookrelay.dispatcher.status.store;

import static io.hookrelay.dispatcher.status.store.StoreFormat.readNullableLong;
import static io.hookrelay.dispatcher.status.store.StoreFormat.readNullableString;
import static io.hookrelay.dispatcher.status.store.StoreFormat.writeNullable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.hookrelay.delivery.AttemptRecord;
import io.hookrelay.delivery.EventPosition;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.Encoder;
import org.apache.kafka.common.serialization.Serde;

/**
 * One delivery (one event to one subscription, one {@code webhook-id}) as the log keeps it: where it
 * stands and its latest attempts. The value of the {@code deliveries} store; immutable.
 *
 * <p>Which state wins when inputs disagree: the one that happened last, by the time it happened
 * (an attempt's end, a dead letter's write), ties going to the input read last. So a redrive's new
 * attempt after a dead letter makes the delivery {@code retrying} or {@code delivered} again, and a
 * dead letter read a moment before the attempt that preceded it still ends as {@code dead}.
 *
 * @param createdAt    epoch ms of the first attempt (or dead letter) the log saw; fixed for the
 *                     delivery's life in the log, it orders the subscription's list and starts
 *                     the retention clock
 * @param state        {@code delivered}, {@code retrying} or {@code dead}
 * @param stateAt      epoch ms the state was reached
 * @param nextDueAt    when {@code retrying}: epoch ms of the next attempt; else null
 * @param deadReason   when {@code dead}: the dead-letter reason; else null
 * @param attemptCount attempts seen, including any no longer in {@code attempts}
 * @param attempts     the latest {@link #MAX_ATTEMPTS} attempts, oldest first
 * @param eventPosition the event's {@code webhooks.accepted} record, from the first input that
 *                      named it; null when none did (inputs written before positions were kept).
 *                      Resend and recover read the event back from there
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record DeliveryStatus(@JsonProperty("webhook_id") String webhookId,
                      @JsonProperty("subscription_id") String subscriptionId,
                      @JsonProperty("operator_id") String operatorId,
                      @JsonProperty("event_id") String eventId,
                      @JsonProperty("event_type") String eventType,
                      @JsonProperty("created_at") long createdAt,
                      @JsonProperty("state") String state,
                      @JsonProperty("state_at") long stateAt,
                      @JsonProperty("next_due_at") Long nextDueAt,
                      @JsonProperty("dead_reason") String deadReason,
                      @JsonProperty("attempt_count") int attemptCount,
                      @JsonProperty("attempts") List<Attempt> attempts,
                      @JsonProperty("event_position") EventPosition eventPosition) {

    /** Compact, after {@code delivery-status-v1.avsc}; JSON values written before it are still read. */
    static final Serde<DeliveryStatus> SERDE = StoreFormat.serde(DeliveryStatus.class, StoreFormat.V1,
            DeliveryStatus::write, (in, version) -> read(in));

    /**
     * Attempts kept per delivery. The default schedule makes at most 8; the rest of the room is for
     * redrives. Older attempts are dropped (their count stays in {@code attempt_count}), which bounds
     * an entry at about 20 × (1 KiB excerpt + 200 B).
     */
    static final int MAX_ATTEMPTS = 20;
    /** Response excerpts are kept up to this many UTF-8 bytes. */
    static final int EXCERPT_BYTES = 1024;

    static final String DEAD = AttemptRecord.Outcome.DEAD.wire();

    public DeliveryStatus {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** One attempt, as the log shows it. Times in epoch ms. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Attempt(@JsonProperty("attempt") int attempt,
                   @JsonProperty("attempted_at") long attemptedAt,
                   @JsonProperty("due_at") long dueAt,
                   @JsonProperty("lateness_ms") long latenessMs,
                   @JsonProperty("status") int status,
                   @JsonProperty("latency_ms") long latencyMs,
                   @JsonProperty("error") String error,
                   @JsonProperty("response_excerpt") String responseExcerpt) {

        static Attempt of(AttemptRecord r) {
            return new Attempt(r.attempt(), r.attemptedAt(), r.dueAt(), r.latenessMs(), r.status(), r.latencyMs(),
                    r.error(), cap(r.responseExcerpt(), EXCERPT_BYTES));
        }
    }

    /** {@code before} (null: not in the log yet) with {@code input} applied. */
    static DeliveryStatus apply(DeliveryStatus before, StatusInput input) {
        return input.attempt() != null ? withAttempt(before, input.attempt()) : withDeadLetter(before, input.deadLetter());
    }

    private static DeliveryStatus withAttempt(DeliveryStatus before, AttemptRecord r) {
        List<Attempt> attempts = new ArrayList<>(before == null ? List.of() : before.attempts);
        attempts.add(Attempt.of(r));
        attempts.sort(Comparator.comparingLong(Attempt::attemptedAt));
        if (attempts.size() > MAX_ATTEMPTS) {
            attempts = attempts.subList(attempts.size() - MAX_ATTEMPTS, attempts.size());
        }
        int count = (before == null ? 0 : before.attemptCount) + 1;
        long at = r.attemptedAt() + r.latencyMs();
        if (before == null) {
            return new DeliveryStatus(r.webhookId(), r.subscriptionId(), r.operatorId(), r.eventId(), r.eventType(),
                    r.attemptedAt(), r.outcome().wire(), at, r.nextDueAt(), r.deadReason(), count, attempts,
                    r.eventPosition());
        }
        EventPosition position = before.eventPosition != null ? before.eventPosition : r.eventPosition();
        if (at < before.stateAt) {
            return new DeliveryStatus(before.webhookId, before.subscriptionId, before.operatorId, before.eventId,
                    before.eventType, before.createdAt, before.state, before.stateAt, before.nextDueAt,
                    before.deadReason, count, attempts, position);
        }
        return new DeliveryStatus(before.webhookId, before.subscriptionId, before.operatorId, before.eventId,
                before.eventType, before.createdAt, r.outcome().wire(), at, r.nextDueAt(), r.deadReason(), count,
                attempts, position);
    }

    private static DeliveryStatus withDeadLetter(DeliveryStatus before, StatusInput.DeadLetter d) {
        if (before == null) {
            long created = d.firstAttemptAt() > 0 ? d.firstAttemptAt() : d.deadAt();
            return new DeliveryStatus(d.webhookId(), d.subscriptionId(), d.operatorId(), d.eventId(), d.eventType(),
                    created, DEAD, d.deadAt(), null, d.reason(), 0, List.of(), d.eventPosition());
        }
        EventPosition position = before.eventPosition != null ? before.eventPosition : d.eventPosition();
        if (d.deadAt() < before.stateAt) {
            return position == before.eventPosition ? before : new DeliveryStatus(before.webhookId,
                    before.subscriptionId, before.operatorId, before.eventId, before.eventType, before.createdAt,
                    before.state, before.stateAt, before.nextDueAt, before.deadReason, before.attemptCount,
                    before.attempts, position);
        }
        return new DeliveryStatus(before.webhookId, before.subscriptionId, before.operatorId, before.eventId,
                before.eventType, before.createdAt, DEAD, d.deadAt(), null, d.reason(), before.attemptCount,
                before.attempts, position);
    }

    /** Fields in {@code delivery-status-v1.avsc}'s order. */
    private static void write(DeliveryStatus d, Encoder out) throws IOException {
        writeNullable(out, d.webhookId);
        writeNullable(out, d.subscriptionId);
        writeNullable(out, d.operatorId);
        writeNullable(out, d.eventId);
        writeNullable(out, d.eventType);
        out.writeLong(d.createdAt);
        writeNullable(out, d.state);
        out.writeLong(d.stateAt);
        writeNullable(out, d.nextDueAt);
        writeNullable(out, d.deadReason);
        out.writeInt(d.attemptCount);
        out.writeArrayStart();
        out.setItemCount(d.attempts.size());
        for (Attempt a : d.attempts) {
            out.startItem();
            out.writeInt(a.attempt);
            out.writeLong(a.attemptedAt);
            out.writeLong(a.dueAt);
            out.writeLong(a.latenessMs);
            out.writeInt(a.status);
            out.writeLong(a.latencyMs);
            writeNullable(out, a.error);
            writeNullable(out, a.responseExcerpt);
        }
        out.writeArrayEnd();
        if (d.eventPosition == null) {
            out.writeIndex(0);
            out.writeNull();
        } else {
            out.writeIndex(1);
            out.writeString(d.eventPosition.topic());
            out.writeInt(d.eventPosition.partition());
            out.writeLong(d.eventPosition.offset());
        }
    }

    private static DeliveryStatus read(Decoder in) throws IOException {
        String webhookId = readNullableString(in);
        String subscriptionId = readNullableString(in);
        String operatorId = readNullableString(in);
        String eventId = readNullableString(in);
        String eventType = readNullableString(in);
        long createdAt = in.readLong();
        String state = readNullableString(in);
        long stateAt = in.readLong();
        Long nextDueAt = readNullableLong(in);
        String deadReason = readNullableString(in);
        int attemptCount = in.readInt();
        List<Attempt> attempts = new ArrayList<>();
        for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
            for (long i = 0; i < n; i++) {
                attempts.add(new Attempt(in.readInt(), in.readLong(), in.readLong(), in.readLong(), in.readInt(),
                        in.readLong(), readNullableString(in), readNullableString(in)));
            }
        }
        EventPosition position = null;
        if (in.readIndex() == 0) {
            in.readNull();
        } else {
            position = new EventPosition(in.readString(), in.readInt(), in.readLong());
        }
        return new DeliveryStatus(webhookId, subscriptionId, operatorId, eventId, eventType, createdAt, state, stateAt,
                nextDueAt, deadReason, attemptCount, attempts, position);
    }

    /** The longest prefix of {@code s} of at most {@code maxBytes} UTF-8 bytes, never splitting a character. */
    static String cap(String s, int maxBytes) {
        if (s == null || s.length() * 3 <= maxBytes || s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }
}
