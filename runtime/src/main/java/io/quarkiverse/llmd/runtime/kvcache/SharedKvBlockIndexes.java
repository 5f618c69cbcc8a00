package io.quarkiverse.llmd.runtime.kvcache;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;
import io.quarkiverse.llmd.engine.kvcache.KvIndexBackend;
import io.quarkiverse.llmd.runtime.config.LlmdConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;

/**
 * The runtime's {@link KvBlockIndexFactory}: in-memory indexes as the engine builds them, and a
 * {@link RedisKvBlockIndex} for a precise prefix-cache plugin whose {@code kvBlockIndexConfig} names
 * {@code redisConfig} or {@code valkeyConfig}. Each shared index is scoped by pool and plugin name, so two pools (or
 * two plugins of a pool) never share keys, while the same pool and plugin on every gateway replica do. Shared indexes
 * export their counts through Micrometer and are closed at shutdown. No Redis connection is made unless a plugin asks
 * for a shared index.
 */
@Singleton
public class SharedKvBlockIndexes {

    private static final Logger LOG = Logger.getLogger(SharedKvBlockIndexes.class);

    /** Prefix of the shared-index meters (Prometheus adds {@code _total} to counters). */
    public static final String METRIC_PREFIX = "llm_d_epp_kv_cache_index_shared_";

    private final Vertx vertx;
    private final Supplier<RedisIndexSettings> settings;
    private final MeterRegistry meters;
    /** Every shared index still open, with the meters it registered (removed when it is retired). */
    private final Map<RedisKvBlockIndex, List<Meter>> created = new IdentityHashMap<>();

    @Inject
    public SharedKvBlockIndexes(Vertx vertx, LlmdConfig config, Instance<MeterRegistry> meters) {
        this(vertx, () -> RedisIndexSettings.of(config.redis()),
                config.metrics().enabled() && meters.isResolvable() ? meters.get() : null);
    }

    /**
     * @param settings the {@code quarkus.llmd.redis.*} settings, read only when a plugin asks for a shared index
     * @param meters where shared indexes register their meters, or null for none
     */
    public SharedKvBlockIndexes(Vertx vertx, Supplier<RedisIndexSettings> settings, MeterRegistry meters) {
        this.vertx = vertx;
        this.settings = settings;
        this.meters = meters;
    }

    /** The factory for the plugins of one pool: shared indexes it builds are scoped {@code <pool>/<plugin>}. */
    public KvBlockIndexFactory forPool(String pool) {
        return (plugin, backend, indexConfig) -> create(pool, plugin, backend, indexConfig);
    }

    private KvBlockIndex create(String pool, String plugin, KvIndexBackend backend,
            InMemoryKvBlockIndex.Config indexConfig) {
        if (!(backend instanceof KvIndexBackend.Shared shared)) {
            return new InMemoryKvBlockIndex(indexConfig);
        }
        RedisIndexSettings settings;
        try {
            settings = this.settings.get();
        } catch (IllegalArgumentException e) {
            // the quarkus.llmd.redis.* properties, not the EndpointPickerConfig, are at fault
            throw new ConfigException("application configuration", 0, "quarkus.llmd.redis", e.getMessage());
        }
        if (shared.address() != null) {
            try {
                settings = settings.withUrl(RedisIndexSettings.normaliseUrl(shared.address(), "address"));
            } catch (IllegalArgumentException e) {
                throw new PluginConfigException(shared.field() + ".address", e.getMessage());
            }
        }
        String scope = pool + "/" + plugin;
        RedisKvBlockIndex index = new RedisKvBlockIndex(vertx, settings, scope, indexConfig);
        synchronized (created) {
            if (meters != null) {
                // A reconfigured pool builds its new index before the old one is retired; the series have one id
                // per pool, so they move to the newest index now (registering again would return the old meters).
                for (Map.Entry<RedisKvBlockIndex, List<Meter>> e : created.entrySet()) {
                    if (e.getKey().streamKey().equals(index.streamKey())) {
                        e.getValue().forEach(meters::remove);
                        e.setValue(List.of());
                    }
                }
            }
            created.put(index, meters == null ? List.of() : register(meters, pool, index));
        }
        LOG.infof("pool %s: %s shares its KV-block index through %s (stream %s)", pool, plugin,
                redact(settings.url()), index.streamKey());
        return index;
    }

    /** The meters of one shared index, labelled with the pool only (the scope's plugin name is not a label). */
    static List<Meter> register(MeterRegistry registry, String pool, RedisKvBlockIndex index) {
        List<Meter> meters = new ArrayList<>();
        counter(meters, registry, pool, index, "local_changes", "Index changes made by this replica's KV events",
                s -> s.localOps());
        counter(meters, registry, pool, index, "published_changes", "Index changes written to Redis",
                s -> s.publishedOps());
        counter(meters, registry, pool, index, "dropped_changes",
                "Index changes other replicas will not see (outbox full or retries exhausted)",
                s -> s.droppedOps());
        counter(meters, registry, pool, index, "publish_failures", "Failed writes to Redis (each retried or dropped)",
                s -> s.publishFailures());
        counter(meters, registry, pool, index, "applied_remote_changes", "Changes of other replicas applied to the mirror",
                s -> s.appliedRemoteOps());
        counter(meters, registry, pool, index, "rejected_remote_changes",
                "Changes of other replicas the mirror refused (beyond its bounds)", s -> s.rejectedRemoteOps());
        counter(meters, registry, pool, index, "decode_errors", "Stream entries that could not be decoded",
                s -> s.decodeErrors());
        counter(meters, registry, pool, index, "resyncs", "Rebuilds of the mirror from the snapshot", s -> s.resyncs());
        counter(meters, registry, pool, index, "snapshots_written", "Snapshots this replica wrote",
                s -> s.snapshotsWritten());
        meters.add(Gauge.builder(METRIC_PREFIX + "outbox_changes", index, i -> i.stats().outboxSize()).tag("pool", pool)
                .description("Index changes waiting to be written to Redis").register(registry));
        meters.add(Gauge.builder(METRIC_PREFIX + "connected", index, i -> i.stats().connected() ? 1 : 0).tag("pool", pool)
                .description("1 while both the writer and the reader are connected to Redis").register(registry));
        return meters;
    }

    private static void counter(List<Meter> meters, MeterRegistry registry, String pool, RedisKvBlockIndex index,
            String name, String description, ToDoubleFunction<RedisKvBlockIndex.Stats> value) {
        meters.add(FunctionCounter.builder(METRIC_PREFIX + name, index, i -> value.applyAsDouble(i.stats())).tag("pool", pool)
                .description(description).register(registry));
    }

    /** The URL without its password, for the log. */
    static String redact(String url) {
        int at = url.lastIndexOf('@');
        int scheme = url.indexOf("://");
        return at < 0 || scheme < 0 ? url : url.substring(0, scheme + 3) + "***" + url.substring(at);
    }

    /** The shared indexes built so far (for tests and diagnostics). */
    public List<RedisKvBlockIndex> indexes() {
        synchronized (created) {
            return List.copyOf(created.keySet());
        }
    }

    /**
     * Stops sharing an index this factory built (its pool was removed or reconfigured): its threads end, its
     * connections close and its series leave the registry. Anything else (an in-memory index, one already retired)
     * is left alone.
     */
    public void retire(KvBlockIndex index) {
        List<Meter> registered;
        synchronized (created) {
            registered = index instanceof RedisKvBlockIndex shared ? created.remove(shared) : null;
        }
        if (registered == null) {
            return;
        }
        registered.forEach(meters::remove);
        ((RedisKvBlockIndex) index).close();
    }

    void onStop(@Observes ShutdownEvent event) {
        close();
    }

    /** Stops sharing: every shared index's threads end and its connections close. */
    public void close() {
        List<RedisKvBlockIndex> all;
        synchronized (created) {
            all = List.copyOf(created.keySet());
            created.clear();
        }
        for (RedisKvBlockIndex index : all) {
            index.close();
        }
    }
}
