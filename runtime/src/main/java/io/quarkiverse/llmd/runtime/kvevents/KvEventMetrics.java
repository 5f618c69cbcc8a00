package io.quarkiverse.llmd.runtime.kvevents;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;

/**
 * The meters of one pool's KV-event ingestion. Every meter is labelled with the pool name only (and the drop
 * reason, a closed set): nothing read from the wire (topics, pod ids) becomes a label, so a publisher cannot mint
 * series. The counts are also kept in plain atomics, so that they can be read without a registry (tests, the Dev
 * UI).
 */
final class KvEventMetrics {

    /** Why a batch was not applied. */
    enum DropReason {
        /** Not three frames, a short sequence frame, or a payload the decoder refused. */
        MALFORMED("malformed"),
        /** The topic names no endpoint of the pool (centralized mode). */
        UNKNOWN_POD("unknown_pod"),
        /** The index refused it (for example, its endpoint bound was reached). */
        REJECTED("rejected");

        final String label;

        DropReason(String label) {
            this.label = label;
        }
    }

    static final String PREFIX = "llm_d_epp_kv_events_";

    private final AtomicLong events = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final Map<DropReason, AtomicLong> dropped = new EnumMap<>(DropReason.class);
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong publishers = new AtomicLong();

    private final Counter eventsCounter;
    private final Counter batchesCounter;
    private final Map<DropReason, Counter> droppedCounters = new EnumMap<>(DropReason.class);
    private final Counter gapsCounter;
    private final Counter lostCounter;
    private final Counter replayedCounter;
    private final DistributionSummary lag;
    private final MeterRegistry registry;
    /** Everything registered, so that a pool removed or reconfigured at runtime takes its series with it. */
    private final List<Meter> registered = new ArrayList<>();

    /**
     * @param registry where to register, or null to count without exporting
     * @param index the index whose size the gauges report
     */
    KvEventMetrics(MeterRegistry registry, String pool, KvBlockIndex index) {
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new AtomicLong());
        }
        this.registry = registry;
        if (registry == null) {
            eventsCounter = batchesCounter = gapsCounter = lostCounter = replayedCounter = null;
            lag = null;
            return;
        }
        eventsCounter = track(Counter.builder(PREFIX + "received").tag("pool", pool)
                .description("KV events applied to the prefix-cache index").register(registry));
        batchesCounter = track(Counter.builder(PREFIX + "batches").tag("pool", pool)
                .description("KV-event batches (messages) applied to the prefix-cache index").register(registry));
        for (DropReason r : DropReason.values()) {
            droppedCounters.put(r, track(Counter.builder(PREFIX + "dropped_batches").tag("pool", pool)
                    .tag("reason", r.label).description("KV-event batches dropped before reaching the index")
                    .register(registry)));
        }
        gapsCounter = track(Counter.builder(PREFIX + "sequence_gaps").tag("pool", pool)
                .description("Gaps in a publisher's sequence numbers").register(registry));
        lostCounter = track(Counter.builder(PREFIX + "lost_batches").tag("pool", pool)
                .description("Batches missing from a gap that replay did not recover").register(registry));
        replayedCounter = track(Counter.builder(PREFIX + "replayed_batches").tag("pool", pool)
                .description("Batches recovered through a publisher's replay socket").register(registry));
        lag = track(DistributionSummary.builder(PREFIX + "ingestion_lag_seconds").tag("pool", pool).baseUnit("seconds")
                .description("Time from the publisher's batch timestamp to its application to the index")
                .serviceLevelObjectives(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5)
                .distributionStatisticExpiry(Duration.ofMinutes(2)).register(registry));
        track(Gauge.builder(PREFIX + "publishers", publishers, AtomicLong::get).tag("pool", pool)
                .description("Publishers (pods) seen and still in the pool").register(registry));
        track(Gauge.builder("llm_d_epp_kv_cache_index_blocks", index, KvBlockIndex::blockCount).tag("pool", pool)
                .description("Blocks held by at least one endpoint in the precise prefix-cache index")
                .register(registry));
        track(Gauge.builder("llm_d_epp_kv_cache_index_entries", index, KvBlockIndex::entryCount).tag("pool", pool)
                .description("(block, endpoint) entries in the precise prefix-cache index").register(registry));
    }

    void applied(int eventCount, double lagSeconds) {
        events.addAndGet(eventCount);
        batches.incrementAndGet();
        if (eventsCounter != null) {
            eventsCounter.increment(eventCount);
            batchesCounter.increment();
            // A publisher clock far off (or a missing timestamp) would only pollute the histogram.
            if (lagSeconds >= 0 && lagSeconds < 3600) {
                lag.record(lagSeconds);
            }
        }
    }

    void dropped(DropReason reason) {
        dropped.get(reason).incrementAndGet();
        if (eventsCounter != null) {
            droppedCounters.get(reason).increment();
        }
    }

    void sequence(long newGaps, long newLost, long newReplayed) {
        if (newGaps > 0) {
            gaps.addAndGet(newGaps);
            if (gapsCounter != null) {
                gapsCounter.increment(newGaps);
            }
        }
        if (newLost > 0) {
            lost.addAndGet(newLost);
            if (lostCounter != null) {
                lostCounter.increment(newLost);
            }
        }
        if (newReplayed > 0) {
            replayed.addAndGet(newReplayed);
            if (replayedCounter != null) {
                replayedCounter.increment(newReplayed);
            }
        }
    }

    void publishers(int count) {
        publishers.set(count);
    }

    private <M extends Meter> M track(M meter) {
        registered.add(meter);
        return meter;
    }

    /** Removes this subscription's series from the registry (its pool was removed or reconfigured). Idempotent. */
    void close() {
        if (registry != null) {
            registered.forEach(registry::remove);
            registered.clear();
        }
    }

    /** A snapshot of the counts. */
    KvEventStats stats() {
        return new KvEventStats(events.get(), batches.get(), dropped.get(DropReason.MALFORMED).get(),
                dropped.get(DropReason.UNKNOWN_POD).get(), dropped.get(DropReason.REJECTED).get(), gaps.get(),
                lost.get(), replayed.get(), publishers.get());
    }
}
