package io.quarkiverse.llmd.engine.framework.datalayer;

import java.time.Instant;
import java.util.Set;

/**
 * One scrape of a model server's metrics, mapped to the fields the scheduler reads (the internal fields of
 * llm-d's metrics extractor). Immutable; a new scrape produces a new instance.
 *
 * @param waitingQueueSize requests waiting in the engine queue ({@code vllm:num_requests_waiting})
 * @param runningRequestsSize requests in the running batch ({@code vllm:num_requests_running})
 * @param kvCacheUsage KV-cache usage as a fraction in [0, 1] ({@code vllm:kv_cache_usage_perc})
 * @param activeModels LoRA adapters currently running
 * @param waitingModels LoRA adapters waiting to be loaded
 * @param maxActiveModels maximum LoRA adapters the server keeps loaded ({@code max_lora}); 0 when unknown
 * @param cacheBlockSize tokens per KV block ({@code vllm:cache_config_info{block_size}}); 0 when unknown
 * @param cacheNumBlocks KV blocks on the device ({@code num_gpu_blocks}); 0 when unknown
 * @param updateTime when the scrape completed; {@link Instant#EPOCH} for never scraped
 * @param runningTotal {@code runningRequestsSize} summed over this endpoint's scrapes so far, this one included
 *        (see {@link #accumulatedAfter}); with {@code scrapes}, the mean batch between two snapshots
 * @param scrapes how many scrapes of this endpoint {@code runningTotal} sums
 */
public record EndpointMetrics(
        int waitingQueueSize,
        int runningRequestsSize,
        double kvCacheUsage,
        Set<String> activeModels,
        Set<String> waitingModels,
        int maxActiveModels,
        int cacheBlockSize,
        long cacheNumBlocks,
        Instant updateTime,
        long runningTotal,
        long scrapes) {

    /** Metrics of an endpoint that was never scraped. */
    public static final EndpointMetrics NONE = new EndpointMetrics(0, 0, 0.0, Set.of(), Set.of(), 0, 0, 0, Instant.EPOCH);

    public EndpointMetrics {
        activeModels = Set.copyOf(activeModels);
        waitingModels = Set.copyOf(waitingModels);
    }

    /** One scrape on its own: its totals count only itself (none for {@link Instant#EPOCH}, never scraped). */
    public EndpointMetrics(int waitingQueueSize, int runningRequestsSize, double kvCacheUsage, Set<String> activeModels,
            Set<String> waitingModels, int maxActiveModels, int cacheBlockSize, long cacheNumBlocks,
            Instant updateTime) {
        this(waitingQueueSize, runningRequestsSize, kvCacheUsage, activeModels, waitingModels, maxActiveModels,
                cacheBlockSize, cacheNumBlocks, updateTime, Instant.EPOCH.equals(updateTime) ? 0 : runningRequestsSize,
                Instant.EPOCH.equals(updateTime) ? 0 : 1);
    }

    /**
     * This scrape as the one that follows {@code previous} (the same endpoint's last snapshot): the totals carry on
     * from it. The registry applies it to every scrape it publishes.
     */
    public EndpointMetrics accumulatedAfter(EndpointMetrics previous) {
        return new EndpointMetrics(waitingQueueSize, runningRequestsSize, kvCacheUsage, activeModels, waitingModels,
                maxActiveModels, cacheBlockSize, cacheNumBlocks, updateTime,
                previous.runningTotal + runningRequestsSize, previous.scrapes + 1);
    }

    /**
     * The mean running batch over the scrapes taken since {@code earlier} (an older snapshot of the same endpoint):
     * what ran beside a request dispatched at {@code earlier} and ended now. A decode step's time grows with the
     * batch, and a request's batch moves while it runs: one reading at either end, set against its timings, makes
     * the step time look flatter than it is (the calibration's slope shrinks towards zero as the reading's noise
     * grows) and the replica look faster at large batches than it is. This scrape's own count when none came
     * between.
     */
    public double meanRunningSince(EndpointMetrics earlier) {
        long n = scrapes - earlier.scrapes;
        return n > 0 ? (double) (runningTotal - earlier.runningTotal) / n : runningRequestsSize;
    }

    /** Whether this snapshot came from a scrape at all. */
    public boolean scraped() {
        return !Instant.EPOCH.equals(updateTime);
    }

    /** The KV cache's size in tokens ({@code num_gpu_blocks × block_size}), 0 when either is unknown. */
    public long kvCacheTokens() {
        return cacheBlockSize > 0 && cacheNumBlocks > 0 ? cacheNumBlocks * cacheBlockSize : 0;
    }

    /** Builds metrics carrying only load figures; handy for tests, demos and simulations. */
    public static EndpointMetrics load(int waiting, int running, double kvUsage, Instant at) {
        return new EndpointMetrics(waiting, running, kvUsage, Set.of(), Set.of(), 0, 0, 0, at);
    }
}
