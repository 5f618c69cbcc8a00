package io.quarkiverse.llmd.llmisvc.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.llm_d.v1alpha2.InferenceModelRewrite;
import ai.llm_d.v1alpha2.InferenceObjective;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkiverse.llmd.engine.pipeline.ModelRewrites;
import io.quarkiverse.llmd.llmisvc.discovery.KubernetesEndpointSourceProvider.PoolTarget;

/** InferenceObjectives and InferenceModelRewrites from the mock API server (CRUD mode) applied to a pool. */
class PolicyWatchTest {

    private static final PoolTarget POOL = new PoolTarget("ours", Pods.NAMESPACE, "qwen-pool", PoolGroup.GA);

    private MockCluster cluster;
    private KubernetesClient client;
    private ScheduledExecutorService executor;
    private PolicyWatch watch;
    private final AtomicReference<Map<String, Integer>> priorities = new AtomicReference<>();
    private final AtomicReference<ModelRewrites> rewrites = new AtomicReference<>();
    private final Random random = new Random(1);

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        client = cluster.client();
        executor = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        if (watch != null) {
            watch.close();
        }
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @Test
    void objectivesOfThePoolSetPrioritiesOverTheConfiguredOnes() {
        apply(objective("llm-d.ai/v1alpha2", "interactive", "qwen-pool", 10),
                InferenceObjective.class);
        apply(objective("llm-d.ai/v1alpha2", "batch", "qwen-pool", -1),
                InferenceObjective.class);
        apply(objective("llm-d.ai/v1alpha2", "elsewhere", "other-pool", 99),
                InferenceObjective.class);
        apply(objective("llm-d.ai/v1alpha2", "unset", "qwen-pool", null), InferenceObjective.class);
        // the older group is not read while llm-d.ai's resources can be listed, as in llm-d
        apply(objective("inference.networking.x-k8s.io/v1alpha2", "legacy", "qwen-pool", 5),
                io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class);
        startWatch(Map.of("batch", 0, "configured", 3), Map.of());

        await(() -> priorities.get() != null && priorities.get().size() == 4);
        assertThat(priorities.get()).isEqualTo(Map.of("interactive", 10, "batch", -1, "unset", 0, "configured", 3));

        client.resources(InferenceObjective.class).inNamespace(Pods.NAMESPACE).withName("interactive").delete();
        await(() -> !priorities.get().containsKey("interactive"));
    }

    @Test
    void rewriteRulesExactBeforeCatchAllWeightedAndConfiguredForTheRest() {
        apply(Serialization.unmarshal("""
                apiVersion: llm-d.ai/v1alpha2
                kind: InferenceModelRewrite
                metadata: {name: canary, namespace: llm}
                spec:
                  poolRef: {name: qwen-pool}
                  rules:
                  - matches: [{model: {value: chat}}]
                    targets: [{modelRewrite: chat-v1, weight: 90}, {modelRewrite: chat-v2, weight: 10}]
                  - targets: [{modelRewrite: default-model}]
                  - matches: [{model: {value: broken}}]
                    targets: [{modelRewrite: a, weight: 1}, {modelRewrite: b}]
                """, InferenceModelRewrite.class), InferenceModelRewrite.class);
        apply(Serialization.unmarshal("""
                apiVersion: llm-d.ai/v1alpha2
                kind: InferenceModelRewrite
                metadata: {name: not-ours, namespace: llm}
                spec:
                  poolRef: {name: other-pool}
                  rules:
                  - matches: [{model: {value: alias}}]
                    targets: [{modelRewrite: wrong}]
                """, InferenceModelRewrite.class), InferenceModelRewrite.class);
        startWatch(Map.of(), Map.of("alias", "configured-target", "chat", "overridden"));

        // only the cluster has a catch-all: once it applies, the cluster's rules are in
        await(() -> rewrites.get() != null && "default-model".equals(rewrites.get().targetFor("x", random)));
        assertThat(rewrites.get().targetFor("alias", random)).isEqualTo("configured-target");
        ModelRewrites r = rewrites.get();
        int v2 = 0;
        for (int i = 0; i < 1000; i++) {
            String target = r.targetFor("chat", random);
            assertThat(target).isIn("chat-v1", "chat-v2");
            v2 += target.equals("chat-v2") ? 1 : 0;
        }
        assertThat(v2).isBetween(60, 140);
        assertThat(r.targetFor("anything-else", random)).isEqualTo("default-model");
        // weights on some targets only: the rule is skipped, the catch-all applies
        assertThat(r.targetFor("broken", random)).isEqualTo("default-model");
    }

    /**
     * With a relist every 500 ms: the mock API server does not replay the events between an informer's list and its
     * watch (a real API server does, from the list's resourceVersion), so a change made in that window would
     * otherwise be missed by the test; production relies on the same relist as its safety net.
     */
    private void startWatch(Map<String, Integer> configuredPriorities, Map<String, String> configuredRewrites) {
        watch = new PolicyWatch(client, POOL, priorities::set, rewrites::set, configuredPriorities,
                configuredRewrites, executor, 500);
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> void apply(HasMetadata resource, Class<T> type) {
        client.resources(type).inNamespace(Pods.NAMESPACE).resource((T) resource)
                .createOr(NonDeletingOperation::update);
    }

    private static HasMetadata objective(String apiVersion, String name, String pool,
            Integer priority) {
        String yaml = """
                apiVersion: %s
                kind: InferenceObjective
                metadata: {name: %s, namespace: llm}
                spec:
                  poolRef: {name: %s}
                """.formatted(apiVersion, name, pool) + (priority == null ? "" : "  priority: " + priority + "\n");
        return apiVersion.startsWith("llm-d.ai") ? Serialization.unmarshal(yaml, InferenceObjective.class)
                : Serialization.unmarshal(yaml, io.x_k8s.networking.inference.v1alpha2.InferenceObjective.class);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
