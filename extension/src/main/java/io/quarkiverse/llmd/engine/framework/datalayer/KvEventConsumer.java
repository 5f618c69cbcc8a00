package io.quarkiverse.llmd.engine.framework.datalayer;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.kvcache.BlockKeyHasher;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;

/**
 * Implemented by plugins whose state is the engines' KV events ({@code precise-prefix-cache-producer} and its
 * deprecated single-plugin form): the runtime finds them in a pool's scheduler by this contract and starts a
 * subscriber that feeds {@link #index()} through {@link #newIngestor()}, one ingestor per writer thread.
 */
public interface KvEventConsumer extends Plugin {

    /** Where the events come from. */
    KvEventSettings kvEventSettings();

    /** The index the events update (safe for concurrent writers: it serialises them). */
    KvBlockIndex index();

    /** A hasher with the plugin's block size, seed and algorithm (not thread-safe: one per thread). */
    BlockKeyHasher newHasher();

    /** An ingestor applying events to {@link #index()}; not thread-safe, one per writer thread. */
    default KvEventIngestor newIngestor() {
        return new KvEventIngestor(index(), newHasher());
    }
}
