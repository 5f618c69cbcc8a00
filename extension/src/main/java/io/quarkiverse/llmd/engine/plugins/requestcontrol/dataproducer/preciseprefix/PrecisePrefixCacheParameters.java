package io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.framework.datalayer.KvEventSettings;
import io.quarkiverse.llmd.engine.framework.plugin.GoDuration;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvIndexBackend;

/**
 * Parameters of {@code precise-prefix-cache-producer} under llm-d's names (reference kvcache-and-sim.md A3.4, A3.7;
 * llm-d-v0.10-deltas.md 2.3, 4.6). Null means not set; {@link #resolve()} applies the defaults and checks.
 *
 * @param tokenProcessorConfig block size, hash seed and hash algorithm of the request keys
 * @param indexerConfig the index backend and tier weights
 * @param kvEventsConfig where KV events come from; read by the runtime's subscriber ({@link KvEventSettings})
 * @param speculativeIndexing after each routing decision, record the chosen endpoint as holding the request's
 *        blocks until its KV events confirm them or {@code speculativeTTL} passes (default false)
 * @param speculativeTTL lifetime of a speculative entry (Go duration, default {@code "2s"}, must be &gt; 0)
 */
public record PrecisePrefixCacheParameters(
        TokenProcessorConfig tokenProcessorConfig,
        IndexerConfig indexerConfig,
        KvEventsConfig kvEventsConfig,
        Boolean speculativeIndexing,
        String speculativeTTL) {

    public static final int DEFAULT_BLOCK_SIZE = 16;
    /** llm-d's default lifetime of a speculative entry. */
    public static final Duration DEFAULT_SPECULATIVE_TTL = Duration.ofSeconds(2);

    /**
     * @param blockSizeTokens tokens per block (default 16)
     * @param blockSize llm-d's deprecated alias of blockSizeTokens
     * @param hashSeed seed of the key chain (default "")
     * @param hashAlgorithm {@code cbor-fnv} (default) or {@code xxh64}
     */
    public record TokenProcessorConfig(Integer blockSizeTokens, Integer blockSize, String hashSeed,
            String hashAlgorithm) {
    }

    /**
     * @param kvBlockIndexConfig the index backend
     * @param kvCacheBackendConfigs tier weights (default gpu 1.0, cpu 0.8)
     * @param tokenizersPoolConfig llm-d's deprecated in-indexer tokenization; not supported
     */
    public record IndexerConfig(KvBlockIndexConfig kvBlockIndexConfig, List<BackendConfig> kvCacheBackendConfigs,
            JsonNode tokenizersPoolConfig) {
    }

    /**
     * @param inMemoryConfig the in-memory backend (the default)
     * @param costAwareMemoryConfig llm-d's byte-budgeted backend; not available in the engine
     * @param redisConfig share the index through Redis (built by the runtime; the local mirror keeps
     *        {@code inMemoryConfig.size})
     * @param valkeyConfig the same through Valkey; only one of redisConfig and valkeyConfig may be set
     * @param enableMetrics whether the runtime exports index metrics
     * @param metricsLoggingInterval llm-d's periodic metrics log (Go duration); accepted
     */
    public record KvBlockIndexConfig(InMemoryConfig inMemoryConfig, JsonNode costAwareMemoryConfig,
            SharedIndexConfig redisConfig, SharedIndexConfig valkeyConfig, Boolean enableMetrics,
            String metricsLoggingInterval) {
    }

    /**
     * llm-d's {@code redisConfig} / {@code valkeyConfig}.
     *
     * @param address {@code redis://host:port} (also {@code rediss://}, {@code valkey://}, {@code valkeys://});
     *        unset means the runtime's {@code quarkus.llmd.redis.url}
     * @param backendType {@code redis} or {@code valkey}; both speak the same protocol here
     * @param enableRDMA llm-d's placeholder for Valkey over RDMA; only false is supported
     */
    public record SharedIndexConfig(String address, String backendType, Boolean enableRDMA) {
    }

    /**
     * @param size request keys kept (default 100,000,000; the tables grow on demand)
     * @param podCacheSize llm-d's bound on pods per key (default 10); accepted, our entries are bits and unbounded
     */
    public record InMemoryConfig(Long size, Integer podCacheSize) {
    }

    /** A device tier and its weight in the prefix score. */
    public record BackendConfig(String name, Double weight) {
    }

    /**
     * @param zmqEndpoint the endpoint the subscriber binds in centralized mode (for example {@code tcp://*:5557});
     *        empty when pods are discovered
     * @param topicFilter subscription prefix (default {@code kv@})
     * @param concurrency ingestion workers (default 4)
     * @param engineType {@code vllm} (default) or {@code sglang}
     * @param discoverPods connect to each discovered pod (default true)
     * @param podDiscoveryConfig how pods are found and which ports they publish on
     */
    public record KvEventsConfig(String zmqEndpoint, String topicFilter, Integer concurrency, String engineType,
            Boolean discoverPods, PodDiscoveryConfig podDiscoveryConfig) {
    }

    /**
     * @param podLabelSelector pods to subscribe to (default {@code llm-d.ai/inference-serving=true})
     * @param podNamespace namespace to watch ("" = all)
     * @param socketPort the pods' PUB port (default 5557)
     * @param replaySocketPort the pods' ROUTER replay port (0 = replay off, the default)
     */
    public record PodDiscoveryConfig(String podLabelSelector, String podNamespace, Integer socketPort,
            Integer replaySocketPort) {
    }

    /**
     * The effective configuration.
     *
     * @param speculativeTtl lifetime of speculative entries; null when {@code speculativeIndexing} is off
     */
    public record Resolved(int blockSizeTokens, String hashSeed, HashAlgorithm hashAlgorithm,
            InMemoryKvBlockIndex.Config index, KvIndexBackend backend, boolean enableMetrics,
            KvEventSettings kvEvents, Duration speculativeTtl) {

        public boolean speculativeIndexing() {
            return speculativeTtl != null;
        }
    }

    public Resolved resolve() {
        TokenProcessorConfig tp = tokenProcessorConfig == null ? new TokenProcessorConfig(null, null, null, null)
                : tokenProcessorConfig;
        if (tp.blockSizeTokens() != null && tp.blockSize() != null
                && !tp.blockSizeTokens().equals(tp.blockSize())) {
            throw new PluginConfigException("tokenProcessorConfig.blockSize", "blockSize is the deprecated name of"
                    + " blockSizeTokens; they disagree (" + tp.blockSize() + " vs " + tp.blockSizeTokens() + ")");
        }
        int blockSize = tp.blockSizeTokens() != null ? tp.blockSizeTokens()
                : tp.blockSize() != null ? tp.blockSize() : DEFAULT_BLOCK_SIZE;
        if (blockSize <= 0) {
            throw new PluginConfigException("tokenProcessorConfig.blockSizeTokens",
                    "blockSizeTokens must be > 0, got " + blockSize);
        }
        HashAlgorithm algorithm;
        try {
            algorithm = HashAlgorithm.fromConfig(tp.hashAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException("tokenProcessorConfig.hashAlgorithm", e.getMessage());
        }
        // Checked whether or not speculation is on, so that a typo does not wait for the day it is switched on.
        Duration ttl = speculativeTTL == null ? DEFAULT_SPECULATIVE_TTL
                : GoDuration.parse("speculativeTTL", speculativeTTL);
        if (ttl.isNegative() || ttl.isZero()) {
            throw new PluginConfigException("speculativeTTL", "speculativeTTL must be > 0, got '" + speculativeTTL
                    + "'");
        }
        IndexerConfig ic = indexerConfig == null ? new IndexerConfig(null, null, null) : indexerConfig;
        if (ic.tokenizersPoolConfig() != null && !ic.tokenizersPoolConfig().isNull()) {
            throw new PluginConfigException("indexerConfig.tokenizersPoolConfig", "tokenization inside the indexer"
                    + " is deprecated in llm-d and not supported; configure a token-producer plugin");
        }
        KvBlockIndexConfig kc = ic.kvBlockIndexConfig() == null
                ? new KvBlockIndexConfig(null, null, null, null, null, null)
                : ic.kvBlockIndexConfig();
        rejectBackend(kc.costAwareMemoryConfig(), "costAwareMemoryConfig");
        KvIndexBackend backend = backend(kc);
        long size = kc.inMemoryConfig() == null || kc.inMemoryConfig().size() == null
                ? InMemoryKvBlockIndex.DEFAULT_CAPACITY
                : kc.inMemoryConfig().size();
        if (size <= 0) {
            throw new PluginConfigException("indexerConfig.kvBlockIndexConfig.inMemoryConfig.size",
                    "size must be > 0, got " + size);
        }
        Map<String, Double> weights = new LinkedHashMap<>(InMemoryKvBlockIndex.DEFAULT_TIER_WEIGHTS);
        if (ic.kvCacheBackendConfigs() != null) {
            weights.clear();
            for (int i = 0; i < ic.kvCacheBackendConfigs().size(); i++) {
                BackendConfig b = ic.kvCacheBackendConfigs().get(i);
                String field = "indexerConfig.kvCacheBackendConfigs[" + i + "]";
                if (b.name() == null || b.name().isBlank()) {
                    throw new PluginConfigException(field + ".name", "a backend needs a name (gpu, cpu, ...)");
                }
                double weight = b.weight() == null ? 1.0 : b.weight();
                if (!(weight >= 0) || Double.isInfinite(weight)) {
                    throw new PluginConfigException(field + ".weight", "weight must be >= 0, got " + weight);
                }
                weights.put(b.name(), weight);
            }
        }
        InMemoryKvBlockIndex.Config index;
        try {
            index = new InMemoryKvBlockIndex.Config(size, weights, InMemoryKvBlockIndex.DEFAULT_MAX_ENDPOINTS);
        } catch (IllegalArgumentException e) {
            throw new PluginConfigException("indexerConfig", e.getMessage());
        }
        return new Resolved(blockSize, tp.hashSeed() == null ? "" : tp.hashSeed(), algorithm, index,
                backend, Boolean.TRUE.equals(kc.enableMetrics()), kvEvents(),
                Boolean.TRUE.equals(speculativeIndexing) ? ttl : null);
    }

    private KvEventSettings kvEvents() {
        KvEventsConfig k = kvEventsConfig == null ? new KvEventsConfig(null, null, null, null, null, null)
                : kvEventsConfig;
        PodDiscoveryConfig p = k.podDiscoveryConfig() == null ? new PodDiscoveryConfig(null, null, null, null)
                : k.podDiscoveryConfig();
        int concurrency = k.concurrency() == null ? 4 : k.concurrency();
        if (concurrency <= 0) {
            throw new PluginConfigException("kvEventsConfig.concurrency", "concurrency must be > 0, got "
                    + concurrency);
        }
        String engineType = k.engineType() == null ? "vllm" : k.engineType();
        if (!engineType.equals("vllm") && !engineType.equals("sglang")) {
            throw new PluginConfigException("kvEventsConfig.engineType", "engineType must be vllm or sglang, got '"
                    + engineType + "'");
        }
        int socketPort = port(p.socketPort(), 5557, "socketPort", false);
        int replayPort = port(p.replaySocketPort(), 0, "replaySocketPort", true);
        return new KvEventSettings(k.zmqEndpoint() == null ? "" : k.zmqEndpoint(),
                k.topicFilter() == null ? "kv@" : k.topicFilter(), concurrency, engineType,
                k.discoverPods() == null || k.discoverPods(),
                p.podLabelSelector() == null ? "llm-d.ai/inference-serving=true" : p.podLabelSelector(),
                p.podNamespace() == null ? "" : p.podNamespace(), socketPort, replayPort);
    }

    private static int port(Integer value, int fallback, String name, boolean zeroAllowed) {
        int port = value == null ? fallback : value;
        if (port < (zeroAllowed ? 0 : 1) || port > 65535) {
            throw new PluginConfigException("kvEventsConfig.podDiscoveryConfig." + name, name
                    + " must be a port number, got " + port);
        }
        return port;
    }

    private static void rejectBackend(JsonNode node, String name) {
        if (node != null && !node.isNull()) {
            throw new PluginConfigException("indexerConfig.kvBlockIndexConfig." + name, name
                    + " is not available; use inMemoryConfig, or redisConfig to share the index");
        }
    }

    /** The shared backend when redisConfig or valkeyConfig is set (one at most, so that the choice is explicit). */
    private static KvIndexBackend backend(KvBlockIndexConfig kc) {
        if (kc.redisConfig() != null && kc.valkeyConfig() != null) {
            throw new PluginConfigException("indexerConfig.kvBlockIndexConfig.valkeyConfig", "set redisConfig or"
                    + " valkeyConfig, not both");
        }
        KvIndexBackend.Kind kind = kc.valkeyConfig() != null ? KvIndexBackend.Kind.VALKEY
                : kc.redisConfig() != null ? KvIndexBackend.Kind.REDIS : null;
        if (kind == null) {
            return KvIndexBackend.IN_MEMORY;
        }
        SharedIndexConfig c = kind == KvIndexBackend.Kind.VALKEY ? kc.valkeyConfig() : kc.redisConfig();
        String field = "indexerConfig.kvBlockIndexConfig." + kind.configName();
        if (Boolean.TRUE.equals(c.enableRDMA())) {
            throw new PluginConfigException(field + ".enableRDMA", "RDMA transport is not supported; remove"
                    + " enableRDMA or set it to false");
        }
        if (c.backendType() != null && !c.backendType().equals("redis") && !c.backendType().equals("valkey")) {
            throw new PluginConfigException(field + ".backendType", "backendType must be redis or valkey, got '"
                    + c.backendType() + "'");
        }
        if (c.address() != null && c.address().isBlank()) {
            throw new PluginConfigException(field + ".address", "address is empty; remove it to use the runtime's"
                    + " default (quarkus.llmd.redis.url) or set a redis:// URL");
        }
        return new KvIndexBackend.Shared(kind, c.address() == null ? null : c.address().trim(), field);
    }
}
