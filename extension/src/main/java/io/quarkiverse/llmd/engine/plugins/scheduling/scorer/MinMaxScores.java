package io.quarkiverse.llmd.engine.plugins.scheduling.scorer;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToIntFunction;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** The min-max normalisation llm-d's queue and running-requests scorers share: fewer is better. */
public final class MinMaxScores {

    private MinMaxScores() {
    }

    /**
     * Writes {@code (max - v) / (max - min)} over the candidates for each endpoint's value {@code v}; when all values
     * are equal every endpoint scores 1.
     */
    public static void fewerIsBetter(List<Endpoint> endpoints, double[] scores, ToIntFunction<EndpointMetrics> value) {
        int n = endpoints.size();
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            int v = value.applyAsInt(endpoints.get(i).metrics());
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (max == min) {
            Arrays.fill(scores, 0, n, 1.0);
            return;
        }
        // In double: a negative value from a broken scrape must not overflow the int range.
        double range = (double) max - min;
        for (int i = 0; i < n; i++) {
            scores[i] = (max - (double) value.applyAsInt(endpoints.get(i).metrics())) / range;
        }
    }
}
