package io.quarkiverse.llmd.engine.plugins.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.ConfigException;
import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.kvcache.InMemoryKvBlockIndex;
import io.quarkiverse.llmd.engine.kvcache.KvBlockIndexFactory;
import io.quarkiverse.llmd.engine.kvcache.KvIndexBackend;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.plugins.requestcontrol.dataproducer.preciseprefix.PrecisePrefixCacheProducer;
import io.quarkiverse.llmd.engine.plugins.scheduling.scorer.preciseprefix.PrecisePrefixCacheScorer;

/** llm-d's redisConfig / valkeyConfig reach the index factory the loader was given, checked field by field. */
class SharedKvIndexConfigTest {

    private static final String HEADER = """
            apiVersion: llm-d.ai/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: token-producer
            - name: precise
              type: %s
              parameters:
                indexerConfig:
                  kvBlockIndexConfig:
                    inMemoryConfig:
                      size: 1000
            """;

    private record Call(String plugin, KvIndexBackend backend, long capacity) {
    }

    private final List<Call> calls = new ArrayList<>();

    /** Records what it is asked for and builds an in-memory index, as a runtime would build its shared one. */
    private final KvBlockIndexFactory recording = (plugin, backend, config) -> {
        calls.add(new Call(plugin, backend, config.capacityBlocks()));
        return new InMemoryKvBlockIndex(config);
    };

    private EndpointPickerConfigLoader.Loaded load(KvBlockIndexFactory factory, String type, String backend) {
        String yaml = HEADER.formatted(type) + backend.indent(8);
        return new EndpointPickerConfigLoader(BuiltInPlugins.registry(),
                new EndpointPickerConfigLoader.Options(false, factory)).load("epp.yaml", yaml);
    }

    @Test
    void redisConfigReachesTheRuntimesFactoryWithItsAddress() {
        var loaded = load(recording, PrecisePrefixCacheProducer.TYPE, """
                redisConfig:
                  address: valkey://cache:6380
                  backendType: valkey
                """);
        assertThat(calls).containsExactly(new Call("precise",
                new KvIndexBackend.Shared(KvIndexBackend.Kind.REDIS, "valkey://cache:6380",
                        "indexerConfig.kvBlockIndexConfig.redisConfig"),
                1000));
        var producer = (PrecisePrefixCacheProducer) loaded.scheduler().plugins().get("precise");
        assertThat(producer.config().backend()).isInstanceOf(KvIndexBackend.Shared.class);
    }

    @Test
    void valkeyConfigWithoutAddressLeavesTheAddressToTheRuntime() {
        load(recording, PrecisePrefixCacheProducer.TYPE, "valkeyConfig: {}");
        assertThat(calls).extracting(Call::backend).containsExactly(new KvIndexBackend.Shared(
                KvIndexBackend.Kind.VALKEY, null, "indexerConfig.kvBlockIndexConfig.valkeyConfig"));
    }

    @Test
    void theDeprecatedScorerUsesTheSameFactory() {
        load(recording, PrecisePrefixCacheScorer.TYPE, "redisConfig: {address: redis://h:1}");
        assertThat(calls).extracting(Call::backend).extracting(b -> ((KvIndexBackend.Shared) b).address())
                .containsExactly("redis://h:1");
    }

    @Test
    void withoutASharedBackendTheIndexIsInMemory() {
        load(recording, PrecisePrefixCacheProducer.TYPE, "enableMetrics: true");
        assertThat(calls).extracting(Call::backend).containsExactly(KvIndexBackend.IN_MEMORY);
    }

    @Test
    void theEngineAloneRefusesASharedBackendNamingTheLine() {
        assertThatThrownBy(() -> load(KvBlockIndexFactory.IN_MEMORY, PrecisePrefixCacheProducer.TYPE,
                "redisConfig: {address: redis://h:1}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("epp.yaml:12: plugins[1].parameters.indexerConfig.kvBlockIndexConfig."
                        + "redisConfig: ")
                .hasMessageContaining("needs the Quarkus runtime");
    }

    @Test
    void badSharedSettingsNameTheirField() {
        assertThatThrownBy(() -> load(recording, PrecisePrefixCacheProducer.TYPE, """
                redisConfig: {address: redis://a:1}
                valkeyConfig: {address: redis://b:1}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("kvBlockIndexConfig.valkeyConfig")
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> load(recording, PrecisePrefixCacheProducer.TYPE, "redisConfig: {enableRDMA: true}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redisConfig.enableRDMA");
        assertThatThrownBy(() -> load(recording, PrecisePrefixCacheProducer.TYPE, "redisConfig: {backendType: memcached}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redisConfig.backendType")
                .hasMessageContaining("memcached");
        assertThatThrownBy(() -> load(recording, PrecisePrefixCacheProducer.TYPE, "redisConfig: {address: ' '}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("redisConfig.address");
        assertThatThrownBy(() -> load(recording, PrecisePrefixCacheProducer.TYPE, "redisConfig: {adress: redis://a:1}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("adress");
        assertThat(calls).isEmpty();
    }

    @Test
    void aFactoryErrorIsAConfigErrorAtThePlugin() {
        KvBlockIndexFactory refusing = (plugin, backend, config) -> {
            throw new PluginConfigException(((KvIndexBackend.Shared) backend).field() + ".address", "bad address");
        };
        assertThatThrownBy(() -> load(refusing, PrecisePrefixCacheProducer.TYPE, "redisConfig: {address: x}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("epp.yaml:12: plugins[1].parameters.indexerConfig.kvBlockIndexConfig.redisConfig"
                        + ".address: ");
    }
}
