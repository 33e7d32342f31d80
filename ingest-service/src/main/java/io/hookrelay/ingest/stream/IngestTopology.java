package io.hookrelay.ingest.stream;

import java.time.Clock;
import java.time.Duration;

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
 *                     └─ accepted ─▶ repartition by (operator_id, event_id) ─▶ dedupe ─▶ key by ordering key ─▶ webhooks.accepted
 * </pre>
 * Bytes in and bytes out, so no serde can throw: reading an operator's record happens in
 * {@link EventScreen}, where a bad one becomes a rejection instead of a stopped thread. The names
 * below become internal topic names ({@code hookrelay-ingest-dedupe-key-repartition},
 * {@code hookrelay-ingest-dedupe-seen-changelog}); renaming them loses the dedupe state.
 */
final class IngestTopology {

    private static final Serde<byte[]> BYTES = Serdes.ByteArray();

    private IngestTopology() {
    }

    static Topology build(Duration dedupeWindow, Clock clock, int maxRecordBytes, IngestMetrics.Rejections rejections) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(DuplicateFilter.storeBuilder(dedupeWindow));

        builder.stream(Topics.EVENT_TOPICS, Consumed.with(BYTES, BYTES).withName("events"))
                .process(() -> new EventScreen(maxRecordBytes, rejections, clock), Named.as("screen"))
                .split(Named.as("screened-"))
                .branch((key, verdict) -> verdict.accepted(),
                        Branched.withConsumer(accepted -> accept(accepted, dedupeWindow, clock), "accepted"))
                .defaultBranch(Branched.withConsumer(IngestTopology::reject, "rejected"));
        return builder.build();
    }

    private static void reject(KStream<byte[], Verdict> rejected) {
        rejected.mapValues(Verdict::value, Named.as("rejected-value"))
                .to(Topics.EVENTS_REJECTED, Produced.with(BYTES, BYTES).withName("events-rejected"));
    }

    private static void accept(KStream<byte[], Verdict> accepted, Duration dedupeWindow, Clock clock) {
        accepted.mapValues(Verdict::value, Named.as("accepted-value"))
                // Keyed by the dedupe key now, so copies of one event meet in one task whatever
                // key (and so partition) each producer gave them.
                .repartition(Repartitioned.with(BYTES, BYTES).withName("dedupe-key"))
                .processValues(() -> new DuplicateFilter(dedupeWindow, clock), Named.as("dedupe"),
                        DuplicateFilter.STORE)
                .selectKey((dedupeKey, canonical) -> OrderingKey.of(canonical), Named.as("ordering-key"))
                .to(Topics.ACCEPTED, Produced.with(Serdes.String(), BYTES).withName("webhooks-accepted"));
    }
}
