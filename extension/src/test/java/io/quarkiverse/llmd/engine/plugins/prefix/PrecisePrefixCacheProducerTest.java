package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.kvcache.HashAlgorithm;
import io.quarkiverse.llmd.engine.kvcache.KvEvent;
import io.quarkiverse.llmd.engine.kvcache.KvEventIngestor;
import io.quarkiverse.llmd.engine.kvcache.TokenizedPrompt;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheParameters.Resolved;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.tokenizer.TokenProducer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class PrecisePrefixCacheProducerTest {

    private static PrecisePrefixCacheProducer create(String json) throws Exception {
        return (PrecisePrefixCacheProducer) PrecisePrefixCacheProducer.FACTORY.create("precise-prefix-cache-producer",
                new ObjectMapper().readTree(json), PluginHandle.NONE);
    }

    /** Tells the index that {@code podId} holds the blocks of {@code prompt} (estimated tokens). */
    private static void store(KvEventIngestor ingestor, String podId, String model, String prompt, int blockSize,
            long firstHash) {
        int[] tokens = TokenProducer.estimate(prompt.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int blocks = tokens.length / blockSize;
        long[] hashes = new long[blocks];
        for (int i = 0; i < blocks; i++) {
            hashes[i] = firstHash + i;
        }
        ingestor.apply(podId, model, new KvEvent.BlockStored(hashes, 0, false,
                java.util.Arrays.copyOf(tokens, blocks * blockSize), blockSize, null, "GPU", null, null, 0,
                "full_attention", null, null));
    }

    @Test
    void parametersFollowLlmdNamesAndDefaults() throws Exception {
        Resolved defaults = create("{}").config();
        assertThat(defaults.blockSizeTokens()).isEqualTo(16);
        assertThat(defaults.hashSeed()).isEmpty();
        assertThat(defaults.hashAlgorithm()).isEqualTo(HashAlgorithm.CBOR_FNV);
        assertThat(defaults.index().tierWeights()).isEqualTo(Map.of("gpu", 1.0, "cpu", 0.8));
        assertThat(defaults.kvEvents().topicFilter()).isEqualTo("kv@");
        assertThat(defaults.kvEvents().concurrency()).isEqualTo(4);
        assertThat(defaults.kvEvents().discoverPods()).isTrue();
        assertThat(defaults.kvEvents().socketPort()).isEqualTo(5557);
        assertThat(defaults.kvEvents().replaySocketPort()).isZero();

        // KServe's reference plugin set (llm-d-v0.10-deltas.md 2.3).
        Resolved kserve = create("""
                {"tokenProcessorConfig": {"blockSize": 64, "hashSeed": "42", "hashAlgorithm": "xxh64"},
                 "kvEventsConfig": {"zmqEndpoint": "tcp://*:5557", "topicFilter": "kv@", "discoverPods": false,
                                    "podDiscoveryConfig": {"socketPort": 5556, "replaySocketPort": 5558}},
                 "indexerConfig": {"kvBlockIndexConfig": {"enableMetrics": true, "inMemoryConfig": {"size": 1000,
                                   "podCacheSize": 10}},
                                   "kvCacheBackendConfigs": [{"name": "gpu", "weight": 1.0},
                                                             {"name": "cpu", "weight": 0.5}]}}
                """).config();
        assertThat(kserve.blockSizeTokens()).isEqualTo(64);
        assertThat(kserve.hashSeed()).isEqualTo("42");
        assertThat(kserve.hashAlgorithm()).isEqualTo(HashAlgorithm.XXH64);
        assertThat(kserve.enableMetrics()).isTrue();
        assertThat(kserve.index().capacityBlocks()).isEqualTo(1000);
        assertThat(kserve.index().tierWeights()).isEqualTo(Map.of("gpu", 1.0, "cpu", 0.5));
        assertThat(kserve.kvEvents().zmqEndpoint()).isEqualTo("tcp://*:5557");
        assertThat(kserve.kvEvents().discoverPods()).isFalse();
        assertThat(kserve.kvEvents().socketPort()).isEqualTo(5556);
        assertThat(kserve.kvEvents().replaySocketPort()).isEqualTo(5558);
    }

    @Test
    void badParametersAreErrors() {
        assertThatThrownBy(() -> create("{\"tokenProcessorConfig\": {\"blockSizze\": 64}}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("blockSizze");
        assertThatThrownBy(() -> create("{\"tokenProcessorConfig\": {\"hashAlgorithm\": \"xxhash\"}}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("cbor-fnv, xxh64");
        assertThatThrownBy(() -> create("{\"tokenProcessorConfig\": {\"blockSize\": 16, \"blockSizeTokens\": 64}}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("disagree");
        assertThatThrownBy(() -> create("{\"speculativeIndexing\": true, \"speculativeTTL\": \"2\"}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("speculativeTTL");
        assertThatThrownBy(() -> create("{\"speculativeTTL\": \"0s\"}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("speculativeTTL must be > 0");
        assertThatThrownBy(() -> create("{\"indexerConfig\": {\"kvBlockIndexConfig\": {\"redisConfig\":"
                + " {\"address\": \"redis://127.0.0.1:6379\"}}}}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("runtime");
        assertThatThrownBy(() -> create("{\"kvEventsConfig\": {\"podDiscoveryConfig\": {\"socketPort\": 70000}}}"))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("socketPort");
    }

    @Test
    void matchesTheEndpointWhosePodReportedThePromptsBlocks() throws Exception {
        PrecisePrefixCacheProducer producer = create("{\"tokenProcessorConfig\": {\"blockSize\": 4}}");
        Endpoint a = Fixtures.endpoint("a", 0, 0);
        Endpoint b = Fixtures.endpoint("b", 0, 0);
        Endpoint c = Fixtures.endpoint("c", 0, 0);
        String prompt = "a shared system prompt followed by a question";
        KvEventIngestor ingestor = producer.newIngestor();
        store(ingestor, a.address(), "m", prompt, 4, 1000);
        store(ingestor, b.host(), "m", prompt.substring(0, 16), 4, 2000); // topic with the bare pod IP
        store(ingestor, c.address(), "other-model", prompt, 4, 3000);

        SchedulingContext context = Fixtures.context(Fixtures.request("m", prompt));
        new TokenProducer("token-producer", new TokenProducer.Params(null, null, null)).produce(context, List.of());
        producer.produce(context, List.of(a, b, c));

        PrefixCacheMatchInfo info = context.get(producer.matchKey());
        int total = (prompt.length() + 3) / 4 / 4; // estimated tokens, then full blocks of 4
        assertThat(info.totalBlocks()).isEqualTo(total);
        assertThat(info.blockSizeTokens()).isEqualTo(4);
        assertThat(info.matchBlocks(a)).isEqualTo(total);
        assertThat(info.matchBlocks(b)).isEqualTo(1);
        assertThat(info.matchBlocks(c)).isZero();

        producer.removeEndpoint(a.address());
        producer.produce(context, List.of(a, b, c));
        assertThat(context.get(producer.matchKey()).matchBlocks(a)).isZero();
    }

    @Test
    void speculativeIndexingDefaultsFollowLlmd() throws Exception {
        assertThat(create("{}").config().speculativeIndexing()).isFalse();
        Resolved on = create("{\"speculativeIndexing\": true}").config();
        assertThat(on.speculativeIndexing()).isTrue();
        assertThat(on.speculativeTtl()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(create("{\"speculativeIndexing\": true, \"speculativeTTL\": \"750ms\"}").config().speculativeTtl())
                .isEqualTo(java.time.Duration.ofMillis(750));
    }

    private static Scheduler speculativeScheduler(boolean speculative) {
        return new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("speculative.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: single-profile-handler
                - type: token-producer
                - type: precise-prefix-cache-producer
                  parameters:
                    tokenProcessorConfig:
                      blockSize: 16
                    speculativeIndexing: %s
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: precise-prefix-cache-producer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: prefix-cache-scorer
                  - pluginRef: max-score-picker
                """.formatted(speculative)).scheduler();
    }

    private static final String LONG_PROMPT = "You are a helpful assistant. ".repeat(40) + "What is a KV cache?";

    /** Schedules the prompt {@code seconds} after Fixtures.NOW and runs the PreRequest hooks. */
    private static SchedulingContext route(Scheduler scheduler, List<Endpoint> pool, double seconds) {
        SchedulingContext context = new SchedulingContext(Fixtures.request("llama", LONG_PROMPT),
                Fixtures.NOW.plusNanos((long) (seconds * 1e9)), new java.util.SplittableRandom(7));
        var result = scheduler.schedule(context, pool);
        scheduler.preRequest(context, result);
        return context;
    }

    private static List<Endpoint> holders(SchedulingContext context, PrecisePrefixCacheProducer producer,
            List<Endpoint> pool) {
        PrefixCacheMatchInfo seen = context.get(producer.matchKey());
        return pool.stream().filter(e -> seen.matchBlocks(e) > 0).toList();
    }

    @Test
    void aRoutedRequestsBlocksCountForItsEndpointUntilTheTtlWithoutAnyKvEvent() {
        Scheduler scheduler = speculativeScheduler(true);
        PrecisePrefixCacheProducer producer = scheduler.pluginsOf(PrecisePrefixCacheProducer.class).get(0);
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pool.add(Fixtures.endpoint("vllm-" + i, 0, 0.1));
        }
        SchedulingContext first = route(scheduler, pool, 0);
        int blocks = first.get(producer.matchKey()).totalBlocks();
        assertThat(holders(first, producer, pool)).isEmpty();
        assertThat(producer.index().speculativeCount()).isEqualTo(blocks);

        SchedulingContext second = route(scheduler, pool, 1.5);
        List<Endpoint> holders = holders(second, producer, pool);
        assertThat(holders).as("the first decision's prediction, on one endpoint").hasSize(1);
        assertThat(second.get(producer.matchKey()).matchBlocks(holders.get(0))).isEqualTo(blocks);

        // 2 s after the second decision (which refreshed the prediction) it has lapsed
        SchedulingContext late = route(scheduler, pool, 3.6);
        assertThat(holders(late, producer, pool)).isEmpty();
    }

    @Test
    void theEndpointsBlockStoredConfirmsThePredictionBeyondTheTtl() {
        Scheduler scheduler = speculativeScheduler(true);
        PrecisePrefixCacheProducer producer = scheduler.pluginsOf(PrecisePrefixCacheProducer.class).get(0);
        List<Endpoint> pool = List.of(Fixtures.endpoint("vllm-0", 0, 0.1), Fixtures.endpoint("vllm-1", 0, 0.1));
        route(scheduler, pool, 0);
        Endpoint holder = holders(route(scheduler, pool, 0.5), producer, pool).get(0);
        store(producer.newIngestor(), holder.address(), "llama", LONG_PROMPT, 16, 1);
        assertThat(producer.index().speculativeCount()).as("every predicted block confirmed").isZero();

        SchedulingContext late = route(scheduler, pool, 10);
        assertThat(late.get(producer.matchKey()).matchBlocks(holder))
                .isEqualTo(late.get(producer.matchKey()).totalBlocks());
    }

    @Test
    void speculationOnABackendWithoutSpeculativeEntriesIsAConfigurationError() throws Exception {
        Resolved on = create("{\"speculativeIndexing\": true}").config();
        io.quarkiverse.llmd.engine.kvcache.KvBlockIndex plain = new io.quarkiverse.llmd.engine.kvcache.KvBlockIndex() {
            private final io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex delegate =
                    new io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex();

            @Override
            public void add(long[] e, int ec, long[] r, int rc, String endpoint, String tier) {
                delegate.add(e, ec, r, rc, endpoint, tier);
            }

            @Override
            public void evict(long engineKey, String endpoint, String tier) {
                delegate.evict(engineKey, endpoint, tier);
            }

            @Override
            public long requestKey(long engineKey) {
                return delegate.requestKey(engineKey);
            }

            @Override
            public void clear(String endpoint) {
                delegate.clear(endpoint);
            }

            @Override
            public void removeEndpoint(String endpoint) {
                delegate.removeEndpoint(endpoint);
            }

            @Override
            public io.quarkiverse.llmd.engine.kvcache.KvPrefixMatch longestPrefix(long[] keys, int count) {
                return delegate.longestPrefix(keys, count);
            }

            @Override
            public long blockCount() {
                return delegate.blockCount();
            }

            @Override
            public long entryCount() {
                return delegate.entryCount();
            }
        };
        assertThatThrownBy(() -> new PrecisePrefixCacheProducer("p", on, plain))
                .isInstanceOf(PluginConfigException.class).hasMessageContaining("speculativeIndexing");
        assertThat(new PrecisePrefixCacheProducer("p", create("{}").config(), plain).index()).isSameAs(plain);
    }

    @Test
    void withoutSpeculativeIndexingADecisionLeavesNoTrace() {
        Scheduler scheduler = speculativeScheduler(false);
        PrecisePrefixCacheProducer producer = scheduler.pluginsOf(PrecisePrefixCacheProducer.class).get(0);
        List<Endpoint> pool = List.of(Fixtures.endpoint("vllm-0", 0, 0.1), Fixtures.endpoint("vllm-1", 0, 0.1));
        route(scheduler, pool, 0);
        assertThat(holders(route(scheduler, pool, 0.5), producer, pool)).isEmpty();
        assertThat(producer.index().speculativeCount()).isZero();
    }

    @Test
    void noTokensOrAShortPromptMatchNothing() throws Exception {
        PrecisePrefixCacheProducer producer = create("{}");
        SchedulingContext context = Fixtures.context(Fixtures.request("m", "short"));
        producer.produce(context, List.of());
        assertThat(context.get(producer.matchKey())).isSameAs(PrefixCacheMatchInfo.NONE);

        context.put(TokenizedPrompt.KEY, new TokenizedPrompt(new int[] { 1, 2, 3 }, false));
        producer.produce(context, List.of());
        assertThat(context.get(producer.matchKey())).isSameAs(PrefixCacheMatchInfo.NONE);
    }

    @Test
    void theThreePluginPipelineRoutesToThePodHoldingThePrefix() {
        Scheduler scheduler = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("precise.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: single-profile-handler
                - type: token-producer
                - type: precise-prefix-cache-producer
                  parameters:
                    tokenProcessorConfig:
                      blockSize: 16
                      hashSeed: "42"
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: precise-prefix-cache-producer
                - type: queue-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: prefix-cache-scorer
                    weight: 3
                  - pluginRef: queue-scorer
                    weight: 2
                  - pluginRef: max-score-picker
                """).scheduler();
        PrecisePrefixCacheProducer producer = scheduler.pluginsOf(PrecisePrefixCacheProducer.class).get(0);
        assertThat(scheduler.pluginsOf(io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer
                .approximateprefix.ApproxPrefixCacheProducer.class)).as("no approximate producer added").isEmpty();
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pool.add(Fixtures.endpoint("vllm-" + i, i == 5 ? 3 : 0, 0.1));
        }
        String prompt = "You are a helpful assistant. ".repeat(40) + "What is a KV cache?";
        store(producer.newIngestor(), pool.get(5).address(), "llama", prompt, 16, 1);

        SchedulingContext context = Fixtures.context(Fixtures.request("llama", prompt));
        var result = scheduler.schedule(context, pool);

        assertThat(result.succeeded()).isTrue();
        assertThat(result.primary().primary()).isEqualTo(pool.get(5));
    }

    @Test
    void theDeprecatedSinglePluginStillLoadsWithAWarningAndRoutesTheSame() {
        var loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("old.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: precise-prefix-cache-scorer
                  parameters:
                    tokenProcessorConfig:
                      blockSize: 16
                    kvEventsConfig:
                      zmqEndpoint: tcp://*:5557
                - type: queue-scorer
                - type: max-score-picker
                schedulingProfiles:
                - name: default
                  plugins:
                  - pluginRef: precise-prefix-cache-scorer
                    weight: 3
                  - pluginRef: queue-scorer
                    weight: 2
                  - pluginRef: max-score-picker
                """);
        assertThat(loaded.warnings()).anyMatch(w -> w.contains("'precise-prefix-cache-scorer' is deprecated"));
        assertThat(loaded.config().plugins()).anyMatch(p -> p.defaulted() && p.type().equals(TokenProducer.TYPE));
        Scheduler scheduler = loaded.scheduler();
        var old = scheduler.pluginsOf(io.quarkiverse.llmd.engine.plugins.scheduling.scorer.preciseprefix
                .PrecisePrefixCacheScorer.class).get(0);
        assertThat(old.producer().config().kvEvents().zmqEndpoint()).isEqualTo("tcp://*:5557");
        List<Endpoint> pool = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pool.add(Fixtures.endpoint("vllm-" + i, i == 2 ? 2 : 0, 0.1));
        }
        String prompt = "Answer in French. ".repeat(50) + "Bonjour?";
        store(old.producer().newIngestor(), pool.get(2).address(), "llama", prompt, 16, 1);

        var result = scheduler.schedule(Fixtures.context(Fixtures.request("llama", prompt)), pool);

        assertThat(result.primary().primary()).isEqualTo(pool.get(2));
    }

    @Test
    void theResolvedConfigBuildsHashersWithItsSettings() throws Exception {
        Resolved config = new PrecisePrefixCacheParameters(null, null, null, null, null).resolve();
        assertThat(config.blockSizeTokens()).isEqualTo(16);
        PrecisePrefixCacheProducer producer = create("{\"tokenProcessorConfig\": {\"blockSizeTokens\": 8,"
                + " \"hashSeed\": \"s\", \"hashAlgorithm\": \"xxh64\"}}");
        assertThat(producer.newHasher().blockSize()).isEqualTo(8);
        assertThat(producer.newHasher().algorithm()).isEqualTo(HashAlgorithm.XXH64);
        assertThatThrownBy(() -> new EndpointPickerConfigLoader(BuiltInPlugins.registry()).load("p.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: precise-prefix-cache-producer
                  parameters:
                    tokenProcessorConfig:
                      blockSizeTokens: 0
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("blockSizeTokens must be > 0");
    }
}
