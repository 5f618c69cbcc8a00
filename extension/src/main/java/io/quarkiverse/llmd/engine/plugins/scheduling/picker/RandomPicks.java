package io.quarkiverse.llmd.engine.plugins.scheduling.picker;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.ScoredEndpoint;

/** Uniform random choice shared by the random pickers (the random picker, and the weighted one's fallback). */
public final class RandomPicks {

    private RandomPicks() {
    }

    /**
     * Up to {@code k} distinct endpoints drawn uniformly at random, in draw order. A partial Fisher-Yates shuffle:
     * only the first {@code k} positions are shuffled, so picking one of many costs one random number.
     */
    public static List<ScoredEndpoint> uniform(RandomGenerator random, List<Endpoint> endpoints, double[] scores,
            int k) {
        int n = endpoints.size();
        if (n == 0) {
            return List.of();
        }
        if (k == 1 || n == 1) {
            int i = n == 1 ? 0 : random.nextInt(n);
            return List.of(new ScoredEndpoint(endpoints.get(i), scores[i]));
        }
        int take = Math.min(k, n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        List<ScoredEndpoint> picked = new ArrayList<>(take);
        for (int i = 0; i < take; i++) {
            int j = i + random.nextInt(n - i);
            int chosen = order[j];
            order[j] = order[i];
            order[i] = chosen;
            picked.add(new ScoredEndpoint(endpoints.get(chosen), scores[chosen]));
        }
        return picked;
    }
}
