package io.quarkiverse.llmd.it.plugins;

import java.util.List;

import jakarta.inject.Singleton;

import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;
import io.smallrye.common.annotation.Identifier;

/** An application's own scorer, a plain CDI bean named by type in the EndpointPickerConfig: prefers vllm-b. */
@Identifier("prefer-b-scorer")
@Singleton
public class PreferEndpointScorer implements Scorer {

    @Override
    public TypedName typedName() {
        return new TypedName("prefer-b-scorer", "prefer-b-scorer");
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        for (int i = 0; i < endpoints.size(); i++) {
            scores[i] = endpoints.get(i).name().contains("vllm-b") ? 1.0 : 0.0;
        }
    }
}
