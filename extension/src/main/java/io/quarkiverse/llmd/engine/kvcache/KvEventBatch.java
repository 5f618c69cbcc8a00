package io.quarkiverse.llmd.engine.kvcache;

import java.util.List;

/**
 * One published KV-event message payload (vLLM's {@code KVEventBatch}).
 *
 * @param timestamp seconds since the epoch, as the engine stamped it
 * @param events the events in engine order
 * @param dataParallelRank the publisher's data-parallel rank, or null (llm-d ignores it for indexing)
 */
public record KvEventBatch(double timestamp, List<KvEvent> events, Integer dataParallelRank) {

    public KvEventBatch {
        events = List.copyOf(events);
    }
}
