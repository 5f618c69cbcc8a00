package io.quarkiverse.llmd.llmisvc.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.k8s.networking.inference.v1.InferencePool;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/**
 * Numbers for docs/benchmarks.md, not a test of timing (it asserts only what converges): against the mock API server,
 * the time from a pool of N Ready pods to its published endpoints, and from a pod's NotReady update to the endpoint
 * set without it. Run: {@code ./mvnw -B -pl deployment,llminferenceservice -am verify -DskipITs
 * -Dtest=DiscoveryLatencyBench -Dsurefire.failIfNoSpecifiedTests=false -Dllmd.bench=true}.
 */
@EnabledIfSystemProperty(named = "llmd.bench", matches = "true")
class DiscoveryLatencyBench {

    private static final int PODS = Integer.getInteger("llmd.bench.pods", 1000);
    private static final int FLIPS = Integer.getInteger("llmd.bench.flips", 100);

    @Test
    void convergeAndLeave() throws Exception {
        try (MockCluster cluster = new MockCluster()) {
            KubernetesClient client = cluster.client();
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
            client.resources(InferencePool.class).inNamespace(Pods.NAMESPACE)
                    .resource(PoolEndpointSourceTest.pool("bench", Map.of("app", "vllm"), 8000))
                    .createOr(NonDeletingOperation::update);
            List<Pod> pods = new ArrayList<>();
            for (int i = 0; i < PODS; i++) {
                Pod p = Pods.ready("vllm-" + i, "10.1." + (i / 250) + "." + (i % 250 + 1), Map.of("app", "vllm"));
                client.pods().inNamespace(Pods.NAMESPACE).resource(p).create();
                pods.add(p);
            }
            AtomicReference<List<Endpoint>> endpoints = new AtomicReference<>(List.of());
            long t0 = System.nanoTime();
            PoolEndpointSource source = new PoolEndpointSource("bench", () -> client, Pods.NAMESPACE,
                    new PoolEndpointSource.PoolObject("bench", PoolGroup.GA), 0, executor);
            source.start(endpoints::set);
            await(endpoints, e -> e.size() == PODS);
            long converge = System.nanoTime() - t0;

            List<Long> leave = new ArrayList<>();
            for (int i = 0; i < FLIPS; i++) {
                Pod pod = pods.get(i % PODS);
                long t = System.nanoTime();
                client.pods().inNamespace(Pods.NAMESPACE).resource(Pods.withReady(pod, "False")).update();
                await(endpoints, e -> e.size() == PODS - 1);
                leave.add(System.nanoTime() - t);
                client.pods().inNamespace(Pods.NAMESPACE).resource(Pods.withReady(pod, "True")).update();
                await(endpoints, e -> e.size() == PODS);
            }
            source.close();
            executor.shutdownNow();
            long first = leave.get(0);
            Collections.sort(leave);
            System.out.printf("discovery bench: %d pods: first list to published endpoints %.1f ms; NotReady update"
                    + " to endpoint gone over %d flips: median %.1f ms, p90 %.1f ms, max %.1f ms (round trip"
                    + " through the mock API server included; the first flip %.1f ms)%n", PODS, converge / 1e6, FLIPS,
                    leave.get(leave.size() / 2) / 1e6, leave.get(leave.size() * 9 / 10) / 1e6,
                    leave.get(leave.size() - 1) / 1e6, first / 1e6);
            assertThat(endpoints.get()).hasSize(PODS);
        }
    }

    private static void await(AtomicReference<List<Endpoint>> endpoints, Predicate<List<Endpoint>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!done.test(endpoints.get())) {
            assertThat(System.nanoTime()).as("converged within 2 minutes").isLessThan(deadline);
            Thread.sleep(1);
        }
    }
}
