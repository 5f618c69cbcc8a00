package io.quarkiverse.llmd.llmisvc.discovery;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import ai.llm_d.v1alpha2.InferenceModelRewrite;
import ai.llm_d.v1alpha2.InferenceObjective;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkiverse.llmd.engine.pipeline.ModelRewrites;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.llmisvc.discovery.KubernetesEndpointSourceProvider.PoolTarget;

/**
 * Keeps a pool's objective priorities and model rewrites in step with the InferenceObjectives and
 * InferenceModelRewrites of its namespace (see {@link PolicyRules} for how they combine). Both API groups are
 * watched: {@code llm-d.ai} (llm-d v0.10) and the older {@code inference.networking.x-k8s.io}; when the
 * {@code llm-d.ai} resources can be listed (their CRD is installed) only they count, as in llm-d. Until a list has
 * arrived the configured values stay in force.
 */
public final class PolicyWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyWatch.class);

    private final PoolTarget pool;
    private final Consumer<Map<String, Integer>> prioritySink;
    private final Consumer<ModelRewrites> rewriteSink;
    private final Map<String, Integer> configuredPriorities;
    private final Map<String, String> configuredRewrites;
    private final Watch<InferenceObjective> objectives;
    private final Watch<io.x_k8s.networking.inference.v1alpha2.InferenceObjective> legacyObjectives;
    private final Watch<InferenceModelRewrite> rewrites;
    private final Watch<io.x_k8s.networking.inference.v1alpha2.InferenceModelRewrite> legacyRewrites;
    private final Coalescer apply;
    private final ScheduledFuture<?> resync;
    private Map<String, Integer> appliedPriorities;
    private List<?> appliedRewrites;

    /**
     * @param configuredPriorities the pool's {@code objectives} from configuration
     * @param configuredRewrites the pool's {@code model-rewrites} from configuration
     * @param executor the discovery thread, where changes are applied one burst at a time
     * @param resyncMillis how often every watch lists afresh (0: never)
     */
    public PolicyWatch(KubernetesClient client, PoolTarget pool, RequestPipeline pipeline,
            Map<String, Integer> configuredPriorities, Map<String, String> configuredRewrites,
            ScheduledExecutorService executor, long resyncMillis) {
        this(client, pool, pipeline::useObjectivePriorities, pipeline::useModelRewrites, configuredPriorities,
                configuredRewrites, executor, resyncMillis);
    }

    /**
     * @param prioritySink receives the priorities whenever they change
     * @param rewriteSink receives the rewrites whenever they change
     */
    public PolicyWatch(KubernetesClient client, PoolTarget pool, Consumer<Map<String, Integer>> prioritySink,
            Consumer<ModelRewrites> rewriteSink, Map<String, Integer> configuredPriorities,
            Map<String, String> configuredRewrites, ScheduledExecutorService executor, long resyncMillis) {
        this.pool = pool;
        this.prioritySink = prioritySink;
        this.rewriteSink = rewriteSink;
        this.configuredPriorities = Map.copyOf(configuredPriorities);
        this.configuredRewrites = Map.copyOf(configuredRewrites);
        this.apply = new Coalescer(executor, this::apply);
        String ns = pool.namespace();
        this.objectives = new Watch<>("InferenceObjectives (llm-d.ai) in " + ns,
                () -> client.resources(InferenceObjective.class).inNamespace(ns).runnableInformer(0),
                o -> apply.request());
        this.legacyObjectives = new Watch<>("InferenceObjectives (inference.networking.x-k8s.io) in " + ns,
                () -> client.resources(io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class)
                        .inNamespace(ns).runnableInformer(0),
                o -> apply.request());
        this.rewrites = new Watch<>("InferenceModelRewrites (llm-d.ai) in " + ns,
                () -> client.resources(InferenceModelRewrite.class).inNamespace(ns).runnableInformer(0),
                o -> apply.request());
        this.legacyRewrites = new Watch<>("InferenceModelRewrites (inference.networking.x-k8s.io) in " + ns,
                () -> client.resources(io.x_k8s.networking.inference.v1alpha2.InferenceModelRewrite.class)
                        .inNamespace(ns).runnableInformer(0),
                o -> apply.request());
        this.resync = resyncMillis <= 0 ? null
                : executor.scheduleWithFixedDelay(this::relist, resyncMillis, resyncMillis, TimeUnit.MILLISECONDS);
    }

    private void relist() {
        objectives.relist();
        legacyObjectives.relist();
        rewrites.relist();
        legacyRewrites.relist();
    }

    private void apply() {
        List<InferenceObjective> o = objectives.synced() ? objectives.items()
                : legacyObjectives.synced()
                        ? legacyObjectives.items().stream().map(l -> PolicyRules.asLlmd(l, InferenceObjective.class))
                                .toList()
                        : null;
        List<InferenceModelRewrite> r = rewrites.synced() ? rewrites.items()
                : legacyRewrites.synced()
                        ? legacyRewrites.items().stream()
                                .map(l -> PolicyRules.asLlmd(l, InferenceModelRewrite.class)).toList()
                        : null;
        if (o != null) {
            Map<String, Integer> priorities = PolicyRules.priorities(configuredPriorities, o, pool);
            if (!priorities.equals(appliedPriorities)) {
                appliedPriorities = priorities;
                prioritySink.accept(priorities);
                LOG.infof("pool %s: objective priorities %s", pool.pool(), priorities);
            }
        }
        if (r != null) {
            // compare what the rules say, not the informer's objects (whose resource versions change on resync)
            List<?> specs = r.stream().map(x -> List.of(x.getMetadata().getName(),
                    String.valueOf(x.getMetadata().getCreationTimestamp()), String.valueOf(x.getSpec()))).toList();
            if (!specs.equals(appliedRewrites)) {
                appliedRewrites = specs;
                rewriteSink.accept(PolicyRules.rewrites(configuredRewrites, r, pool,
                        problem -> LOG.warnf("pool %s: %s", pool.pool(), problem)));
                LOG.infof("pool %s: model rewrites from %d InferenceModelRewrite(s) in %s", pool.pool(), r.size(),
                        pool.namespace());
            }
        }
    }

    @Override
    public void close() {
        if (resync != null) {
            resync.cancel(false);
        }
        objectives.close();
        legacyObjectives.close();
        rewrites.close();
        legacyRewrites.close();
    }
}
