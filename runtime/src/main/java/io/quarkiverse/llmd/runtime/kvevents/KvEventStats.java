package io.quarkiverse.llmd.runtime.kvevents;

/**
 * Counts of one pool's KV-event ingestion since start.
 *
 * @param events events applied to the index
 * @param batches batches applied to the index
 * @param malformed batches dropped as malformed (frames or payload)
 * @param unknownPod batches dropped because their topic named no endpoint of the pool
 * @param rejected batches the index refused
 * @param gaps sequence gaps detected
 * @param lost batches of gaps that replay did not recover
 * @param replayed batches recovered through replay
 * @param publishers publishers currently tracked
 */
public record KvEventStats(long events, long batches, long malformed, long unknownPod, long rejected, long gaps,
        long lost, long replayed, long publishers) {
}
