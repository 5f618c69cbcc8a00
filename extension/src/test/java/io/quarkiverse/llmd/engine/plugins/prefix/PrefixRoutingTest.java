package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfig;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.approximateprefix.ApproxPrefixCacheProducer;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;
import io.quarkiverse.llmd.engine.testing.Fixtures;

class PrefixRoutingTest {

    static final String QUEUE_AND_PREFIX = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: prefix-cache-scorer
            schedulingProfiles:
            - name: default
              plugins:
              - pluginRef: queue-scorer
                weight: 2
              - pluginRef: prefix-cache-scorer
                weight: 3
            """;

    private final PluginRegistry registry = BuiltInPlugins.registry();
    private final EndpointPickerConfigLoader loader = new EndpointPickerConfigLoader(registry);

    static String send(Scheduler scheduler, List<Endpoint> endpoints, String prompt) {
        SchedulingContext context = Fixtures.context(Fixtures.request("m", prompt));
        SchedulingResult result = scheduler.schedule(context, endpoints);
        assertThat(result.succeeded()).isTrue();
        scheduler.preRequest(context, result);
        return result.primary().primary().name();
    }

    @Test
    void consumerGetsTheProducerAddedAndRepeatedPromptsStick() {
        var loaded = loader.load("t.yaml", QUEUE_AND_PREFIX);
        assertThat(loaded.config().plugins()).filteredOn(EndpointPickerConfig.PluginSpec::defaulted)
                .extracting(EndpointPickerConfig.PluginSpec::type).contains(ApproxPrefixCacheProducer.TYPE);
        Scheduler scheduler = loaded.scheduler();
        assertThat(scheduler.pluginsOf(ApproxPrefixCacheProducer.class)).hasSize(1);

        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            endpoints.add(Fixtures.endpoint("pod-" + i, 0, 0.0));
        }
        String conversation = "System: you are terse. User: summarise the approximate prefix algorithm. ".repeat(8);
        String first = send(scheduler, endpoints, conversation);
        for (int i = 0; i < 20; i++) {
            assertThat(send(scheduler, endpoints, conversation)).isEqualTo(first);
        }
        // a continuation of the conversation follows too
        assertThat(send(scheduler, endpoints, conversation + "Assistant: sure. User: and the index?"))
                .isEqualTo(first);
        // the holder now has the longest queue (queue score 0) but the whole prefix: 3 × 1.0 beats 2 × 1.0
        List<Endpoint> loaded2 = new ArrayList<>();
        for (Endpoint e : endpoints) {
            loaded2.add(e.name().equals(first) ? Fixtures.endpoint(first.substring("default/".length()), 10, 0.0)
                    : e);
        }
        assertThat(send(scheduler, loaded2, conversation)).isEqualTo(first);
    }

    @Test
    void producerParametersComeFromItsOwnDeclaration() {
        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: approx-prefix-cache-producer
                  parameters:
                    autoTune: false
                    blockSizeTokens: 64
                    lruCapacityPerServer: 1000
                - type: prefix-cache-scorer
                """);
        ApproxPrefixCacheProducer producer = loaded.scheduler().pluginsOf(ApproxPrefixCacheProducer.class).get(0);
        assertThat(producer.config().blockSizeTokens()).isEqualTo(64);
        assertThat(producer.config().lruCapacityPerServer()).isEqualTo(1000);
        assertThat(loaded.config().plugins()).noneMatch(p -> p.defaulted()
                && p.type().equals(ApproxPrefixCacheProducer.TYPE));
    }

    @Test
    void producerParameterErrorsNameFileLineAndField() {
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: approx-prefix-cache-producer
                  parameters:
                    blockSize: 64
                """)).isInstanceOf(ConfigException.class).hasMessageStartingWith("t.yaml:6: plugins[0].parameters"
                        + ".blockSize: plugin 'approx-prefix-cache-producer' (approx-prefix-cache-producer): blockSize");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: approx-prefix-cache-producer
                  parameters:
                    autoTune: false
                    blockSizeTokens: 0
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("blockSizeTokens must be > 0");
    }

    @Test
    void scorerParametersAreStrictAndNameTheProducerToRead() {
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: prefix-cache-scorer
                  parameters:
                    blockSizze: 64
                """)).isInstanceOf(ConfigException.class).hasMessageStartingWith("t.yaml:6: plugins[0].parameters")
                .hasMessageContaining("unknown parameter 'blockSizze'");
        assertThatThrownBy(() -> loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: queue-scorer
                - type: queue-scorer
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("does not produce a prefix-cache match");

        var loaded = loader.load("t.yaml", """
                apiVersion: llm-d.ai/v1alpha1
                kind: EndpointPickerConfig
                plugins:
                - type: prefix-cache-scorer
                  parameters:
                    prefixMatchInfoProducerName: my-approx
                - name: my-approx
                  type: approx-prefix-cache-producer
                  parameters:
                    blockSizeTokens: 32
                """);
        assertThat(loaded.scheduler().pluginsOf(ApproxPrefixCacheProducer.class)).hasSize(1)
                .allMatch(p -> p.typedName().name().equals("my-approx"));
        assertThat(loaded.config().plugins()).noneMatch(p -> p.defaulted()
                && p.type().equals(ApproxPrefixCacheProducer.TYPE));
    }

    @Test
    void concurrentSchedulingKeepsEveryConversationOnItsEndpoint() throws Exception {
        Scheduler scheduler = loader.load("t.yaml", QUEUE_AND_PREFIX).scheduler();
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            endpoints.add(Fixtures.endpoint("pod-" + i, 0, 0.0));
        }
        int threads = 4;
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    for (int c = 0; c < 5; c++) {
                        String conversation = ("thread " + id + " conversation " + c + " says hello. ").repeat(12);
                        String first = send(scheduler, endpoints, conversation);
                        for (int turn = 0; turn < 200; turn++) {
                            String next = send(scheduler, endpoints, conversation + " turn " + turn);
                            if (!next.equals(first)) {
                                throw new AssertionError(conversation + " moved from " + first + " to " + next);
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(60_000);
        }
        assertThat(failure.get()).isNull();
        ApproxPrefixCacheProducer producer = scheduler.pluginsOf(ApproxPrefixCacheProducer.class).get(0);
        assertThat(producer.index().endpoints()).isNotEmpty();
    }

    /** llm-d's default configuration (queue, KV-cache and prefix scorers) keeps a repeated prompt where it was cached. */
    @Test
    void defaultConfigRoutesRepeatedPromptToTheSameEndpoint() {
        Scheduler scheduler = loader.loadDefault().scheduler();
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            endpoints.add(Fixtures.endpoint("pod-" + i, 0, 0.2));
        }
        String prompt = "A long shared system prompt for the default configuration. ".repeat(10);
        String first = send(scheduler, endpoints, prompt);
        for (int i = 0; i < 10; i++) {
            assertThat(send(scheduler, endpoints, prompt)).isEqualTo(first);
        }
    }
}
