package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import ai.llm_d.v1alpha2.InferenceModelRewrite;
import ai.llm_d.v1alpha2.InferenceObjective;
import ai.llm_d.v1alpha2.inferencemodelrewritespec.Rules;
import ai.llm_d.v1alpha2.inferencemodelrewritespec.rules.Matches;
import ai.llm_d.v1alpha2.inferencemodelrewritespec.rules.Targets;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkiverse.llmd.engine.pipeline.ModelRewrites;
import io.quarkiverse.llmd.llmisvc.discovery.KubernetesEndpointSourceProvider.PoolTarget;

/**
 * A pool's objective priorities and model rewrites from the InferenceObjectives and InferenceModelRewrites of its
 * namespace, as llm-d reads them: only those whose {@code spec.poolRef} names the pool (and its group, when given);
 * an objective's {@code spec.priority} unset is 0; rewrite rules with an exact model match beat catch-all rules
 * (no match = every model), then the oldest resource wins, then the first rule in its list. Targets carry weights
 * all or none (none: equal shares). What the configuration gives ({@code objectives}, {@code model-rewrites}) stays
 * where the cluster says nothing about the same name or model.
 *
 * <p>
 * Pure functions over the informers' contents, so the rules are tested without a cluster.
 */
public final class PolicyRules {

    private PolicyRules() {
    }

    /** The priorities by objective name: the configured ones, overridden by the pool's InferenceObjectives. */
    public static Map<String, Integer> priorities(Map<String, Integer> configured, List<InferenceObjective> cluster,
            PoolTarget pool) {
        Map<String, Integer> priorities = new TreeMap<>(configured);
        for (InferenceObjective o : cluster) {
            var spec = o.getSpec();
            if (spec == null || spec.getPoolRef() == null
                    || !refersTo(spec.getPoolRef().getGroup(), spec.getPoolRef().getName(), pool)) {
                continue;
            }
            priorities.put(o.getMetadata().getName(), spec.getPriority() == null ? 0 : spec.getPriority());
        }
        return priorities;
    }

    /**
     * The rewrites: the pool's InferenceModelRewrites in precedence order, then the configured ones for models no
     * rule names. A rule that cannot be applied (no target, weights on some targets only) is skipped and reported.
     */
    public static ModelRewrites rewrites(Map<String, String> configured, List<InferenceModelRewrite> cluster,
            PoolTarget pool, Consumer<String> problems) {
        List<InferenceModelRewrite> mine = new ArrayList<>();
        for (InferenceModelRewrite r : cluster) {
            var spec = r.getSpec();
            if (spec != null && spec.getPoolRef() != null
                    && refersTo(spec.getPoolRef().getGroup(), spec.getPoolRef().getName(), pool)) {
                mine.add(r);
            }
        }
        // oldest first (RFC 3339 timestamps sort as text), then by name for a stable order
        mine.sort(Comparator.comparing((InferenceModelRewrite r) -> String.valueOf(
                r.getMetadata().getCreationTimestamp())).thenComparing(r -> r.getMetadata().getName()));
        ModelRewrites.Builder exact = ModelRewrites.builder();
        List<List<ModelRewrites.Target>> catchAlls = new ArrayList<>();
        for (InferenceModelRewrite r : mine) {
            List<Rules> rules = r.getSpec().getRules() == null ? List.of() : r.getSpec().getRules();
            for (int i = 0; i < rules.size(); i++) {
                Rules rule = rules.get(i);
                List<ModelRewrites.Target> targets;
                try {
                    targets = targets(rule.getTargets());
                } catch (IllegalArgumentException e) {
                    problems.accept("InferenceModelRewrite " + r.getMetadata().getName() + " rule " + i + ": "
                            + e.getMessage() + "; rule skipped");
                    continue;
                }
                List<String> models = models(rule.getMatches());
                if (models.isEmpty()) {
                    catchAlls.add(targets);
                } else {
                    models.forEach(m -> exact.exact(m, targets));
                }
            }
        }
        configured.forEach((model, target) -> exact.exact(model, List.of(new ModelRewrites.Target(target, 1))));
        if (!catchAlls.isEmpty()) {
            exact.catchAll(catchAlls.get(0));
        }
        return exact.build();
    }

    /**
     * The same resource of the older {@code inference.networking.x-k8s.io} group, read as the {@code llm-d.ai} one:
     * the two schemas are field for field the same, only the group moved.
     */
    public static <T extends HasMetadata> T asLlmd(HasMetadata legacy, Class<T> type) {
        return Serialization.unmarshal(Serialization.asJson(legacy), type);
    }

    private static boolean refersTo(String group, String name, PoolTarget pool) {
        return pool.name().equals(name) && (group == null || group.isBlank() || group.equals(pool.group().group()));
    }

    private static List<String> models(List<Matches> matches) {
        List<String> models = new ArrayList<>();
        if (matches != null) {
            for (Matches m : matches) {
                if (m != null && m.getModel() != null && m.getModel().getValue() != null
                        && !m.getModel().getValue().isBlank()) {
                    models.add(m.getModel().getValue());
                }
            }
        }
        return models;
    }

    private static List<ModelRewrites.Target> targets(List<Targets> targets) {
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException("no target");
        }
        long weighted = targets.stream().filter(t -> t.getWeight() != null).count();
        if (weighted != 0 && weighted != targets.size()) {
            throw new IllegalArgumentException("weights must be given for all targets or for none");
        }
        List<ModelRewrites.Target> out = new ArrayList<>();
        for (Targets t : targets) {
            out.add(new ModelRewrites.Target(t.getModelRewrite(), t.getWeight() == null ? 0 : t.getWeight()));
        }
        return out;
    }
}
