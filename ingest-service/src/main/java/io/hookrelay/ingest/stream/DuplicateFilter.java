package io.hookrelay.ingest.stream;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes the first copy of each (operator_id, event_id) and drops every further copy that arrives
 * within the dedupe window after it. Runs in the task of the event's ordering-key partition (where
 * a record keyed as the contract says already is, and where the others are repartitioned to), so
 * all copies of an event that carry its ordering key reach the same task and the same store.
 *
 * <p>Time is processing time from the injected clock, not the record's timestamp or
 * {@code occurred_at}: the window is about when ingest saw a copy ("a retried produce within 24 h"),
 * and an operator's wrong clock or a backfill of old events must neither widen nor defeat it. The
 * window counts from the first copy; dropped copies do not extend it.
 *
 * <p>State is a segmented window store whose retention is the window: segments are dropped whole
 * as time passes (Streams advances the store's time from the timestamps we write, which are clock
 * readings), so state and changelog stay bounded by about one window of events, without scans.
 */
final class DuplicateFilter implements FixedKeyProcessor<byte[], Verdict, byte[]> {

    static final String STORE = "dedupe-seen";

    private static final Logger log = LoggerFactory.getLogger(DuplicateFilter.class);

    private final long windowMs;
    private final Clock clock;
    private FixedKeyProcessorContext<byte[], byte[]> context;
    private WindowStore<String, Long> seen;
    private Sensor duplicates;

    DuplicateFilter(Duration window, Clock clock) {
        this.windowMs = window.toMillis();
        this.clock = clock;
    }

    /** The persistent store of first sightings: dedupe key to the epoch ms it was first seen. */
    static StoreBuilder<WindowStore<String, Long>> storeBuilder(Duration window) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(STORE, window, window, false),
                Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
        this.duplicates = IngestMetrics.duplicates(context);
    }

    @Override
    public void process(FixedKeyRecord<byte[], Verdict> record) {
        String key = record.value().dedupeKey();
        long now = clock.millis();
        // Up to Long.MAX_VALUE: a sighting stamped after "now" (the clock stepped back) still counts.
        try (WindowStoreIterator<Long> sightings = seen.fetch(key, Math.max(0, now - windowMs + 1), Long.MAX_VALUE)) {
            if (sightings.hasNext()) {
                duplicates.record();
                if (log.isDebugEnabled()) {
                    log.debug("Dropped duplicate {} first seen at {}", key, Instant.ofEpochMilli(sightings.next().value));
                }
                return;
            }
        }
        seen.put(key, now, now);
        context.forward(record.withValue(record.value().value()));
    }
}
