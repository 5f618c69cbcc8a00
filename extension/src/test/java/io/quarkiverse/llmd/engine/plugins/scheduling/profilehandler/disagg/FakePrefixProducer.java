package io.quarkiverse.llmd.engine.plugins.scheduling.profilehandler.disagg;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.engine.framework.data.DataKeys;
import io.quarkiverse.llmd.engine.framework.data.PrefixCacheMatchInfo;
import io.quarkiverse.llmd.engine.framework.plugin.DataKey;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.PluginRegistry;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.requestcontrol.DataProducer;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

/**
 * Test producer of PrefixCacheMatchInfo with fixed matches: parameters {@code blockSize} (16) and {@code matches}
 * (endpoint name to matched blocks).
 */
final class FakePrefixProducer implements DataProducer {

    static final String TYPE = "test-prefix-match";
    static final PluginFactory FACTORY = (name, parameters, handle) -> new FakePrefixProducer(name, parameters);

    private final TypedName typedName;
    private final int blockSize;
    private final Map<String, Integer> matches = new HashMap<>();

    private FakePrefixProducer(String name, JsonNode parameters) {
        this.typedName = new TypedName(TYPE, name);
        this.blockSize = parameters == null || !parameters.has("blockSize") ? 16 : parameters.get("blockSize").asInt();
        if (parameters != null && parameters.has("matches")) {
            parameters.get("matches").fields().forEachRemaining(e -> matches.put(e.getKey(), e.getValue().asInt()));
        }
    }

    /** Built-in plugins plus this producer, also standing in for approx-prefix-cache-producer if that is missing. */
    static PluginRegistry registry() {
        PluginRegistry registry = BuiltInPlugins.registry();
        registry.register(TYPE, FACTORY);
        if (registry.find(DataKeys.PREFIX_CACHE_MATCH.defaultProducerType()).isEmpty()) {
            registry.register(DataKeys.PREFIX_CACHE_MATCH.defaultProducerType(), FACTORY);
        }
        return registry;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public Set<DataKey<?>> produces() {
        return Set.of(DataKeys.PREFIX_CACHE_MATCH);
    }

    @Override
    public void produce(SchedulingContext context, List<Endpoint> candidates) {
        int total = context.request().estimatedInputTokens() / blockSize;
        context.put(DataKeys.PREFIX_CACHE_MATCH, new PrefixCacheMatchInfo() {
            @Override
            public int matchBlocks(Endpoint endpoint) {
                return Math.min(total, matches.getOrDefault(endpoint.name(), 0));
            }

            @Override
            public int totalBlocks() {
                return total;
            }

            @Override
            public int blockSizeTokens() {
                return blockSize;
            }
        });
    }
}
