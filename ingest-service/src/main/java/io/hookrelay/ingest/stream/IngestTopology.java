package io.hookrelay.ingest.stream;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import io.hookrelay.contract.Topics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * The ingest topology:
 * <pre>
 * events.* ─▶ screen ─┬─ rejected ─▶ events.rejected
 *                     └─ accepted ─┬─ in its ordering key's partition ───────────────────────┬─▶ dedupe ─▶ webhooks.accepted
 *                                  └─ elsewhere ─▶ repartition by ordering key ─▶ re-read ─┘
 * </pre>
 * Deduplication runs in the task of the event's ordering-key partition. The contract keys
 * {@code events.*} by that key, so a record produced as it says (the HTTP API's, and any producer
 * keying by {@code player_ref} or {@code affiliate_id} with Kafka's default partitioner) is already
 * there and is deduplicated, and written to {@code webhooks.accepted}, in the one transaction of
 * the task that read it: no repartition topic, one commit between an operator's produce and the
 * dispatcher. A record keyed otherwise (null, another field, a custom partitioner) is re-keyed by
 * its ordering key and repartitioned, so it meets its copies all the same. The dedupe scope is
 * therefore the copies of an event that carry its ordering key, which every resent copy does: two
 * records with one (operator_id, event_id) but different {@code player_ref}s are two events.
 *
 * <p>Bytes in and bytes out, so no serde can throw: reading an operator's record happens in
 * {@link EventScreen}, where a bad one becomes a rejection instead of a stopped thread. The names
 * below become internal topic names ({@code hookrelay-ingest-dedupe-key-repartition},
 * {@code hookrelay-ingest-dedupe-seen-changelog}); renaming them loses the dedupe state. The
 * repartition keeps its name from when every event went through it keyed by its dedupe key, so
 * that what an older version left in it is still read after an upgrade (the value, the canonical
 * event, is all the re-read needs).
 */
final class IngestTopology {

    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private IngestTopology() {
    }

    /** @param partitions {@code WEBHOOKS_PARTITIONS}: the repartition topic's, which ordering keys map to */
    static Topology build(Duration dedupeWindow, Clock clock, int maxRecordBytes, int partitions,
                          IngestMetrics.Rejections rejections) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(DuplicateFilter.storeBuilder(dedupeWindow));

        builder.stream(Topics.EVENT_TOPICS, Consumed.with(BYTES, BYTES).withName("events"))
                .process(() -> new EventScreen(maxRecordBytes, partitions, rejections, clock), Named.as("screen"))
                .split(Named.as("screened-"))
                .branch((key, verdict) -> verdict.accepted(),
                        Branched.withConsumer(accepted -> accept(accepted, dedupeWindow, clock, partitions), "accepted"))
                .defaultBranch(Branched.withConsumer(IngestTopology::reject, "rejected"));
        return builder.build();
    }

    private static void reject(KStream<byte[], Verdict> rejected) {
        rejected.mapValues(Verdict::value, Named.as("rejected-value"))
                .to(Topics.EVENTS_REJECTED, Produced.with(BYTES, BYTES).withName("events-rejected"));
    }

    private static void accept(KStream<byte[], Verdict> accepted, Duration dedupeWindow, Clock clock, int partitions) {
        Map<String, KStream<byte[], Verdict>> where = accepted.split(Named.as("accepted-"))
                .branch((orderingKey, verdict) -> verdict.inPlace(), Branched.as("in-place"))
                .defaultBranch(Branched.as("elsewhere"));
        // Keyed by the ordering key since the screen; the repartition's default partitioning of that
        // key is the partition KeyPartitions.of names, so these land in the task of their copies.
        KStream<byte[], Verdict> rekeyed = where.get("accepted-elsewhere")
                .mapValues(Verdict::value, Named.as("rekeyed-value"))
                .repartition(Repartitioned.with(BYTES, BYTES).withName("dedupe-key").withNumberOfPartitions(partitions))
                .mapValues(DedupeKey::inPlace, Named.as("rekeyed-verdict"));
        where.get("accepted-in-place").merge(rekeyed, Named.as("in-its-partition"))
                .processValues(() -> new DuplicateFilter(dedupeWindow, clock), Named.as("dedupe"), DuplicateFilter.STORE)
                .to(Topics.ACCEPTED, Produced.with(BYTES, BYTES).withName("webhooks-accepted"));
    }
}
