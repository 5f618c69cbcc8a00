package io.quarkiverse.llmd.engine.plugins;

import static io.quarkiverse.llmd.engine.testing.Fixtures.context;
import static io.quarkiverse.llmd.engine.testing.Fixtures.endpoint;
import static io.quarkiverse.llmd.engine.testing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.flowcontrol.SaturationDetector;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.concurrency.ConcurrencyDetector;
import io.quarkiverse.llmd.engine.plugins.flowcontrol.saturationdetector.utilization.UtilizationDetector;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.inflightload.InFlightLoadProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.activerequest.ActiveRequestScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.kvcacheutilization.KvCacheUtilizationScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loadaware.LoadAwareScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.loraaffinity.LoraAffinityScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.nohitlru.NoHitLruScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.runningrequests.RunningRequestsScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.sessionaffinity.SessionAffinityScorer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.tokenload.TokenLoadScorer;

/** Loads the load plugins through EndpointPickerConfigLoader, as users configure them. */
class LoadPluginsConfigTest {

    private static final String HEADER = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            """;

    /** Stand-in for the approximate prefix producer, which lives in another change. */
    private static final class NoMatchProducer implements DataProducer {
        @Override
        public TypedName typedName() {
            return new TypedName("approx-prefix-cache-producer", "approx-prefix-cache-producer");
        }

        @Override
        public Set<DataKey<?>> produces() {
            return Set.of(DataKeys.PREFIX_CACHE_MATCH);
        }

        @Override
        public void produce(SchedulingContext context, List<Endpoint> candidates) {
            context.put(DataKeys.PREFIX_CACHE_MATCH, PrefixCacheMatchInfo.NONE);
        }
    }

    private static EndpointPickerConfigLoader loader() {
        PluginRegistry registry = BuiltInPlugins.registry();
        if (registry.find("approx-prefix-cache-producer").isEmpty()) {
            registry.register("approx-prefix-cache-producer", (name, parameters, handle) -> new NoMatchProducer());
        }
        // session-affinity-scorer is Alpha, as in llm-d: these tests load it on purpose
        return new EndpointPickerConfigLoader(registry, new EndpointPickerConfigLoader.Options(true));
    }

    @Test
    void everyLoadPluginIsRegistered() {
        PluginRegistry registry = BuiltInPlugins.registry();
        for (String type : List.of("running-requests-size-scorer", "kv-cache-utilization-scorer",
                "lora-affinity-scorer", "load-aware-scorer", "active-request-scorer", "token-load-scorer",
                "no-hit-lru-scorer", "session-affinity-scorer", "inflight-load-producer", "utilization-detector",
                "concurrency-detector", "queue-scorer")) {
            assertThat(registry.find(type)).as(type).isPresent();
        }
    }

    @Test
    void loadsEveryPluginWithParametersAndAddsTheInFlightProducer() {
        var loaded = loader().load("load.yaml", HEADER + """
                plugins:
                - type: running-requests-size-scorer
                - type: kv-cache-utilization-scorer
                - type: lora-affinity-scorer
                - type: load-aware-scorer
                  parameters:
                    threshold: 64
                - type: active-request-scorer
                  parameters:
                    idleThreshold: 1
                    maxBusyScore: 0.5
                    requestTimeout: 2m
                - type: token-load-scorer
                  parameters:
                    queueThresholdTokens: 100000
                - type: no-hit-lru-scorer
                  parameters:
                    prefixPluginType: prefix-cache-scorer
                    prefixPluginName: my-prefix
                    lruSize: 16
                - type: session-affinity-scorer
                - type: utilization-detector
                  parameters:
                    queueDepthThreshold: 8
                    kvCacheUtilThreshold: 0.9
                    metricsStalenessThreshold: 2s
                    headroom: 0
                - name: tokens-detector
                  type: concurrency-detector
                  parameters:
                    concurrencyMode: tokens
                    maxConcurrency: 50
                    maxTokenConcurrency: 200000
                    headroom: 0.25
                saturationDetector:
                  pluginRef: utilization-detector
                """);
        var plugins = loaded.scheduler().plugins();
        assertThat(plugins.get("running-requests-size-scorer")).isInstanceOf(RunningRequestsScorer.class);
        assertThat(plugins.get("kv-cache-utilization-scorer")).isInstanceOf(KvCacheUtilizationScorer.class);
        assertThat(plugins.get("lora-affinity-scorer")).isInstanceOf(LoraAffinityScorer.class);
        assertThat(plugins.get("load-aware-scorer")).isInstanceOf(LoadAwareScorer.class);
        assertThat(plugins.get("active-request-scorer")).isInstanceOf(ActiveRequestScorer.class);
        assertThat(plugins.get("token-load-scorer")).isInstanceOf(TokenLoadScorer.class);
        assertThat(plugins.get("no-hit-lru-scorer")).isInstanceOf(NoHitLruScorer.class);
        assertThat(plugins.get("session-affinity-scorer")).isInstanceOf(SessionAffinityScorer.class);
        assertThat(plugins.get("utilization-detector")).isInstanceOf(UtilizationDetector.class);
        assertThat(((ConcurrencyDetector) plugins.get("tokens-detector")).mode())
                .isEqualTo(ConcurrencyDetector.Mode.TOKENS);
        assertThat(plugins.get("inflight-load-producer")).isInstanceOf(InFlightLoadProducer.class);
        assertThat(loaded.config().plugins())
                .extracting(EndpointPickerConfig.PluginSpec::type).contains("inflight-load-producer");
        assertThat(loaded.scheduler().pluginsOf(SaturationDetector.class)).hasSize(2);
        // Everything lands in the default profile, detectors as filters.
        var profile = loaded.scheduler().profiles().get("default");
        assertThat(profile.filters()).hasSize(2);
        assertThat(profile.scorers()).hasSize(8);

        List<Endpoint> endpoints = List.of(endpoint("a", 0, 0.1), endpoint("b", 1, 0.2));
        SchedulingContext ctx = context(request("m", "x".repeat(40)));
        SchedulingResult result = loaded.scheduler().schedule(ctx, endpoints);
        assertThat(result.succeeded()).isTrue();
    }

    @Test
    void inFlightCountsFollowTheSchedulerHooksAndBalance() {
        var loaded = loader().load("load.yaml", HEADER + """
                plugins:
                - type: active-request-scorer
                - type: concurrency-detector
                  parameters:
                    maxConcurrency: 2
                """);
        var scheduler = loaded.scheduler();
        InFlightLoadProducer producer = scheduler.pluginsOf(InFlightLoadProducer.class).get(0);
        List<Endpoint> endpoints = List.of(endpoint("a", 0, 0.0), endpoint("b", 0, 0.0));
        List<SchedulingContext> open = new ArrayList<>();
        // Four requests over two endpoints of capacity 2: active-request-scorer spreads them two and two.
        for (int i = 0; i < 4; i++) {
            SchedulingContext ctx = context(request("m", "x".repeat(40)));
            SchedulingResult result = scheduler.schedule(ctx, endpoints);
            assertThat(result.succeeded()).as("request %d", i).isTrue();
            scheduler.preRequest(ctx, result);
            open.add(ctx);
        }
        assertThat(producer.requests(endpoints.get(0))).isEqualTo(2);
        assertThat(producer.requests(endpoints.get(1))).isEqualTo(2);
        // Both full: the concurrency filter leaves nothing, the pool is saturated.
        SchedulingContext fifth = context(request("m", "p"));
        assertThat(scheduler.schedule(fifth, endpoints).succeeded()).isFalse();
        ConcurrencyDetector detector = scheduler.pluginsOf(ConcurrencyDetector.class).get(0);
        assertThat(detector.saturation(fifth, endpoints)).isEqualTo(1.0);

        for (SchedulingContext ctx : open) {
            scheduler.responseComplete(ctx, endpoints.get(0), ResponseOutcome.FAILED);
        }
        assertThat(producer.requests(endpoints.get(0))).isZero();
        assertThat(producer.tokens(endpoints.get(1))).isZero();
    }

    @Test
    void wrongParameterTypesNameTheFieldAndLine() {
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: load-aware-scorer
                  parameters:
                    threshold: high
                """)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("t.yaml:6: plugins[0].parameters.threshold: plugin 'load-aware-scorer'"
                        + " (load-aware-scorer): parameter 'threshold' must be of type integer");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: token-load-scorer
                  parameters:
                    queueThresholdTokens: "100"
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:6: plugins[0].parameters.queueThresholdTokens: ")
                .hasMessageContaining("must be of type integer");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: no-hit-lru-scorer
                  parameters:
                    lruSize: 10
                    lruSzie: 10
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("unknown parameter 'lruSzie'");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: session-affinity-scorer
                  parameters:
                    header: x-foo
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("unknown parameter 'header'");
    }

    @Test
    void invalidValuesNameTheFieldAndLine() {
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: utilization-detector
                  parameters:
                    queueDepthThreshold: 5
                    metricsStalenessThreshold: 200
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:7: plugins[0].parameters.metricsStalenessThreshold: ");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: utilization-detector
                  parameters:
                    metricsStalenessThreshold: soon
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:6: plugins[0].parameters.metricsStalenessThreshold: ")
                .hasMessageContaining("metricsStalenessThreshold must be a duration");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: utilization-detector
                  parameters:
                    kvCacheUtilThreshold: 1.5
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:6: plugins[0].parameters.kvCacheUtilThreshold: ")
                .hasMessageContaining("kvCacheUtilThreshold must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: concurrency-detector
                  parameters:
                    concurrencyMode: bytes
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("plugins[0].parameters.concurrencyMode: ")
                .hasMessageContaining("concurrencyMode must be 'requests' or 'tokens', got 'bytes'");
        assertThatThrownBy(() -> loader().load("t.yaml", HEADER + """
                plugins:
                - type: inflight-load-producer
                  parameters:
                    outputRatio: 2
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("unknown parameter 'outputRatio'");
    }
}
