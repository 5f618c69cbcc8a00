package io.quarkiverse.llmd.benchmarks.sim;

import java.util.HashMap;
import java.util.Map;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;

/**
 * Where the gateway replicas' {@code precise-prefix-cache-producer} instances keep their KV-block index.
 * {@link Sharing#SHARED}: one index per plugin name for all replicas, what the runtime's Redis backend gives several
 * gateways (each event is ingested once). {@link Sharing#PER_REPLICA}: each replica builds its own in-memory index
 * and ingests every pod's events itself, what llm-d's EPP does when several replicas run with the in-memory backend.
 * Not thread-safe (the simulator is single-threaded).
 */
public final class PreciseIndexes {

    /** Whether the replicas share their precise index. */
    public enum Sharing {
        SHARED,
        PER_REPLICA;

        /** The command-line spelling: {@code shared} or {@code per-replica}. */
        public static Sharing parse(String s) {
            return switch (s) {
                case "shared" -> SHARED;
                case "per-replica" -> PER_REPLICA;
                default -> throw new IllegalArgumentException("--precise-index must be shared or per-replica, got '"
                        + s + "'");
            };
        }
    }

    private final Sharing sharing;
    private final Map<String, KvBlockIndex> shared = new HashMap<>();

    public PreciseIndexes(Sharing sharing) {
        this.sharing = sharing;
    }

    public Sharing sharing() {
        return sharing;
    }

    /** The producer's factory: the engine's, with the index chosen by {@link #sharing()}. */
    PluginFactory factory() {
        return (name, parameters, handle) -> {
            PrecisePrefixCacheParameters.Resolved config = Parameters
                    .decode(parameters, PrecisePrefixCacheParameters.class).resolve();
            KvBlockIndex index = sharing == Sharing.SHARED
                    ? shared.computeIfAbsent(name, n -> new InMemoryKvBlockIndex(config.index()))
                    : new InMemoryKvBlockIndex(config.index());
            return new PrecisePrefixCacheProducer(name, config, index);
        };
    }
}
