package io.quarkiverse.llmd.engine.pipeline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Which model a request is routed and forwarded as, llm-d's InferenceModelRewrite: rules for exact model names win
 * over a catch-all rule; each rule names one or more target models with weights, and a request picks one in
 * proportion to them. Immutable; a pool swaps the whole table when its rules change.
 */
public final class ModelRewrites {

    /** No rewrite at all. */
    public static final ModelRewrites NONE = new ModelRewrites(Map.of(), null);

    private final Map<String, Targets> exact;
    private final Targets catchAll;

    /**
     * One target of a rule.
     *
     * @param model the model requests are rewritten to
     * @param weight its share among the rule's targets, 0 or more (all 0: equal shares)
     */
    public record Target(String model, int weight) {

        public Target {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("a rewrite target needs a model");
            }
            if (weight < 0) {
                throw new IllegalArgumentException("rewrite target " + model + " has a negative weight " + weight);
            }
        }
    }

    /** A rule's targets with their cumulative weights, for a pick in O(targets). */
    private record Targets(List<Target> targets, int total) {

        static Targets of(List<Target> targets) {
            if (targets == null || targets.isEmpty()) {
                throw new IllegalArgumentException("a rewrite rule needs at least one target");
            }
            long total = 0;
            for (Target t : targets) {
                total += t.weight();
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("rewrite weights add up to more than " + Integer.MAX_VALUE);
            }
            return new Targets(List.copyOf(targets), (int) total);
        }

        String pick(RandomGenerator random) {
            if (targets.size() == 1) {
                return targets.get(0).model();
            }
            if (total == 0) {
                return targets.get(random.nextInt(targets.size())).model();
            }
            int r = random.nextInt(total);
            for (Target t : targets) {
                r -= t.weight();
                if (r < 0) {
                    return t.model();
                }
            }
            return targets.get(targets.size() - 1).model();
        }
    }

    private ModelRewrites(Map<String, Targets> exact, Targets catchAll) {
        this.exact = Map.copyOf(exact);
        this.catchAll = catchAll;
    }

    /** One target per model, as the {@code model-rewrites} properties give them. */
    public static ModelRewrites of(Map<String, String> rewrites) {
        Builder b = builder();
        rewrites.forEach((model, target) -> b.exact(model, List.of(new Target(target, 1))));
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The model {@code model} is rewritten to, or null when no rule applies.
     *
     * @param random where a rule with several targets draws its pick
     */
    public String targetFor(String model, RandomGenerator random) {
        Targets t = model == null ? null : exact.get(model);
        if (t == null) {
            t = catchAll;
        }
        return t == null ? null : t.pick(random);
    }

    public boolean isEmpty() {
        return exact.isEmpty() && catchAll == null;
    }

    /** Collects rules in precedence order: the first rule for a model (or the first catch-all) wins. */
    public static final class Builder {

        private final Map<String, Targets> exact = new HashMap<>();
        private Targets catchAll;

        private Builder() {
        }

        /** A rule for one model; ignored when an earlier rule has it. */
        public Builder exact(String model, List<Target> targets) {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("a rewrite rule matches a model by name; the name is empty");
            }
            exact.putIfAbsent(model, Targets.of(targets));
            return this;
        }

        /** A rule for every model no exact rule names; ignored when an earlier catch-all exists. */
        public Builder catchAll(List<Target> targets) {
            if (catchAll == null) {
                catchAll = Targets.of(targets);
            }
            return this;
        }

        public ModelRewrites build() {
            return exact.isEmpty() && catchAll == null ? NONE : new ModelRewrites(exact, catchAll);
        }
    }
}
