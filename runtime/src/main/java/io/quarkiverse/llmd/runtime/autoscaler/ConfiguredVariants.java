package io.quarkiverse.llmd.runtime.autoscaler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;

import io.quarkiverse.llmd.engine.autoscaling.SloTargets;
import io.quarkiverse.llmd.engine.autoscaling.VariantSpec;
import io.quarkiverse.llmd.engine.config.ConfigException;

/** The variants declared in {@code quarkus.llmd.autoscaler.variants}, checked against the gateway's pools. */
final class ConfiguredVariants {

    static final String PREFIX = "quarkus.llmd.autoscaler";

    private ConfiguredVariants() {
    }

    /**
     * Reads and checks every declared variant.
     *
     * @param config the autoscaler's configuration
     * @param pools the names of the gateway's pools
     * @throws ConfigException naming the property, for a variant that cannot be used
     */
    static List<VariantDefinition> read(AutoscalerRuntimeConfig config, SortedSet<String> pools) {
        List<VariantDefinition> out = new ArrayList<>();
        for (Map.Entry<String, AutoscalerRuntimeConfig.VariantConfig> e : new TreeMap<>(config.variants()).entrySet()) {
            out.add(read(e.getKey(), e.getValue(), config.namespace(), pools));
        }
        return out;
    }

    static VariantDefinition read(String name, AutoscalerRuntimeConfig.VariantConfig v, String defaultNamespace,
            SortedSet<String> pools) {
        String source = PREFIX + ".variants.\"" + name + "\"";
        String pool = v.pool().orElse(null);
        if (pool == null) {
            if (pools.size() != 1) {
                throw new ConfigException(source, 0, "pool", "the gateway has pools " + pools
                        + ": say which one serves this variant");
            }
            pool = pools.first();
        } else if (!pools.contains(pool)) {
            throw new ConfigException(source, 0, "pool", "no pool named '" + pool + "'; the gateway has " + pools);
        }
        VariantSpec spec;
        try {
            spec = new VariantSpec(name, v.model(), v.accelerator(), v.role(), v.cost(), v.minReplicas(),
                    v.maxReplicas(), v.maxNumSeqs(), v.maxNumBatchedTokens(), seconds(v.coldStart()));
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(source, 0, "", ex.getMessage());
        }
        Optional<SloTargets> targets = Optional.empty();
        if (v.ttft().isPresent() || v.itl().isPresent()) {
            try {
                targets = Optional.of(new SloTargets(v.ttft().map(ConfiguredVariants::seconds).orElse(0.0),
                        v.itl().map(ConfiguredVariants::seconds).orElse(0.0)));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(source, 0, "ttft/itl", ex.getMessage());
            }
        }
        String namespace = v.namespace().orElse(defaultNamespace);
        ScaleTarget target;
        try {
            target = new ScaleTarget(namespace, v.target().apiVersion(), v.target().kind(),
                    v.target().name().orElse(name));
        } catch (IllegalArgumentException ex) {
            throw new ConfigException(source, 0, "target", ex.getMessage());
        }
        return new VariantDefinition(spec, namespace, pool, targets, v.actuator().filter(s -> !s.isBlank()), target,
                source);
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
