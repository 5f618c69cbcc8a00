package io.quarkiverse.llmd.examples.embedding;

import java.util.List;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;
import io.smallrye.common.annotation.Identifier;

// tag::scorer[]
/**
 * The application's own scorer: prefers pods on one accelerator class, read from the pod label WVA and the
 * simulated fleet use. A CDI bean with an {@link Identifier}: the EndpointPickerConfig names it by that type.
 */
@Identifier(PreferredGpuScorer.TYPE)
@Singleton
public class PreferredGpuScorer implements Scorer {

    public static final String TYPE = "preferred-gpu-scorer";
    static final String ACCELERATOR_LABEL = "inference.optimization/acceleratorName";

    private final String preferred;

    public PreferredGpuScorer(@ConfigProperty(name = "example.preferred-gpu", defaultValue = "H100") String preferred) {
        this.preferred = preferred;
    }

    @Override
    public TypedName typedName() {
        return new TypedName(TYPE, TYPE);
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        // runs on the request's thread for every request: no I/O, no locks, no allocation
        for (int i = 0; i < endpoints.size(); i++) {
            scores[i] = preferred.equalsIgnoreCase(endpoints.get(i).labels().get(ACCELERATOR_LABEL)) ? 1.0 : 0.0;
        }
    }
}
// end::scorer[]
