package io.quarkiverse.llmd.engine.examples;

import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

// tag::example[]
/** Prefers endpoints whose {@code gpu-class} label is the configured one: 1 when it matches, else 0. */
public final class GpuClassScorer implements Scorer {

    public static final String TYPE = "gpu-class-scorer";

    /** Parameters, decoded strictly: unknown fields and wrong types are configuration errors. */
    public record Params(String preferred) {
        public Params {
            if (preferred == null || preferred.isBlank()) {
                throw new PluginConfigException("preferred", "preferred must name a GPU class");
            }
        }
    }

    public static final PluginFactory FACTORY = (name, parameters, handle) -> new GpuClassScorer(name,
            Parameters.decode(parameters, Params.class).preferred());

    private final TypedName typedName;
    private final String preferred;

    public GpuClassScorer(String name, String preferred) {
        this.typedName = new TypedName(TYPE, name);
        this.preferred = preferred;
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        for (int i = 0; i < endpoints.size(); i++) {
            scores[i] = preferred.equals(endpoints.get(i).labels().get("gpu-class")) ? 1.0 : 0.0;
        }
    }
}
// end::example[]
