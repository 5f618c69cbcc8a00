package io.quarkiverse.llmd.llmisvc.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.k8s.networking.inference.v1.InferencePool;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;

/** InferencePool and selector discovery against the fabric8 mock API server in CRUD mode. */
class PoolEndpointSourceTest {

    private static final String NS = Pods.NAMESPACE;

    private MockCluster cluster;
    private KubernetesClient client;
    private ScheduledExecutorService executor;
    private PoolEndpointSource source;
    private final AtomicReference<List<Endpoint>> endpoints = new AtomicReference<>();
    private final List<List<Endpoint>> publications = new ArrayList<>();

    @BeforeEach
    void startCluster() {
        cluster = new MockCluster();
        client = cluster.client();
        executor = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() throws Exception {
        if (source != null) {
            source.close();
        }
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @Test
    void inferencePoolPodsBecomeEndpointsWithTheirRoles() {
        apply(pool("qwen-inference-pool", Map.of("app", "vllm"), 8000, 8001));
        apply(Pods.ready("prefill-0", "10.0.0.1", Map.of("app", "vllm", "llm-d.ai/role", "prefill")));
        apply(Pods.ready("decode-0", "10.0.0.2", Map.of("app", "vllm", "llm-d.ai/role", "decode")));
        apply(Pods.notReady("starting", "10.0.0.3"));
        apply(Pods.ready("other", "10.0.0.4", Map.of("app", "other")));
        Pod starting = Pods.pod("starting-vllm", "10.0.0.5", Map.of("app", "vllm"), "False");
        apply(starting);

        start(new PoolEndpointSource.PoolObject("qwen-inference-pool", PoolGroup.GA));

        awaitEndpoints(e -> e.size() == 4);
        assertThat(endpoints.get()).extracting(Endpoint::name, Endpoint::address, Endpoint::role).containsExactly(
                tuple("llm/decode-0-rank-0", "10.0.0.2:8000", "decode"),
                tuple("llm/decode-0-rank-1", "10.0.0.2:8001", "decode"),
                tuple("llm/prefill-0-rank-0", "10.0.0.1:8000", "prefill"),
                tuple("llm/prefill-0-rank-1", "10.0.0.1:8001", "prefill"));

        // the starting pod becomes Ready: it joins
        apply(Pods.withReady(starting, "True"));
        awaitEndpoints(e -> e.size() == 6);
    }

    @Test
    void aPodTurningNotReadyOrDeletedOrTerminatingLeaves() {
        apply(pool("p", Map.of("app", "vllm"), 8000));
        Pod a = Pods.ready("a", "10.0.0.1", Map.of("app", "vllm"));
        Pod b = Pods.ready("b", "10.0.0.2", Map.of("app", "vllm"));
        Pod c = Pods.ready("c", "10.0.0.3", Map.of("app", "vllm"));
        apply(a);
        apply(b);
        apply(c);
        start(new PoolEndpointSource.PoolObject("p", PoolGroup.GA));
        awaitEndpoints(e -> names(e).equals(List.of("llm/a-rank-0", "llm/b-rank-0", "llm/c-rank-0")));

        apply(Pods.withReady(a, "False"));
        awaitEndpoints(e -> names(e).equals(List.of("llm/b-rank-0", "llm/c-rank-0")));

        client.pods().inNamespace(NS).withName("b").delete();
        awaitEndpoints(e -> names(e).equals(List.of("llm/c-rank-0")));

        apply(Pods.terminating(c));
        awaitEndpoints(List::isEmpty);
    }

    @Test
    void activePortsAnnotationRestrictsAPodsPorts() {
        apply(pool("dp", Map.of("app", "vllm"), 8000, 8001, 8002));
        Pod pod = Pods.annotated(Pods.ready("dp-0", "10.0.0.1", Map.of("app", "vllm")), PodEndpoints.ACTIVE_PORTS,
                "8000,8002");
        apply(pod);
        start(new PoolEndpointSource.PoolObject("dp", PoolGroup.GA));
        awaitEndpoints(e -> e.size() == 2);
        assertThat(names(endpoints.get())).containsExactly("llm/dp-0-rank-0", "llm/dp-0-rank-2");

        // the older key alone, after the new one is gone
        Pod legacy = Pods.annotated(Pods.ready("dp-0", "10.0.0.1", Map.of("app", "vllm")),
                PodEndpoints.LEGACY_ACTIVE_PORTS, "8001");
        apply(legacy);
        awaitEndpoints(e -> names(e).equals(List.of("llm/dp-0-rank-1")));
    }

    @Test
    void changingThePoolsSelectorOrPortsReselects() {
        apply(pool("p", Map.of("app", "blue"), 8000));
        apply(Pods.ready("blue-0", "10.0.0.1", Map.of("app", "blue")));
        apply(Pods.ready("green-0", "10.0.0.2", Map.of("app", "green")));
        start(new PoolEndpointSource.PoolObject("p", PoolGroup.GA));
        awaitEndpoints(e -> names(e).equals(List.of("llm/blue-0-rank-0")));

        apply(pool("p", Map.of("app", "green"), 8000));
        awaitEndpoints(e -> names(e).equals(List.of("llm/green-0-rank-0")));

        apply(pool("p", Map.of("app", "green"), 9000, 9001));
        awaitEndpoints(e -> e.stream().map(Endpoint::address).toList()
                .equals(List.of("10.0.0.2:9000", "10.0.0.2:9001")));
    }

    @Test
    void anInvalidPoolKeepsTheLastSelectionAndADeletedPoolEmptiesIt() {
        apply(pool("p", Map.of("app", "vllm"), 8000));
        apply(Pods.ready("a", "10.0.0.1", Map.of("app", "vllm")));
        start(new PoolEndpointSource.PoolObject("p", PoolGroup.GA));
        awaitEndpoints(e -> e.size() == 1);

        InferencePool broken = pool("p", Map.of(), 8000); // selects nothing: refused
        apply(broken);
        apply(Pods.ready("b", "10.0.0.2", Map.of("app", "vllm")));
        awaitEndpoints(e -> e.size() == 2); // still the old selector, still watching

        client.resources(InferencePool.class).inNamespace(NS).withName("p").delete();
        awaitEndpoints(List::isEmpty);
    }

    @Test
    void endpointSelectorWithoutAPoolObject() {
        apply(Pods.ready("gold-0", "10.0.0.1", Map.of("app", "vllm", "tier", "gold")));
        apply(Pods.ready("bronze-0", "10.0.0.2", Map.of("app", "vllm", "tier", "bronze")));
        // the mock API server knows equality selectors only; a real one takes every form (tier in (gold,silver))
        start(new PoolEndpointSource.Fixed(new PoolSpec("app=vllm,tier=gold", List.of(9000))));
        awaitEndpoints(e -> names(e).equals(List.of("llm/gold-0-rank-0")));
        assertThat(endpoints.get().get(0).address()).isEqualTo("10.0.0.1:9000");
    }

    @Test
    void olderV1alpha2PoolGroup() {
        GenericKubernetesResource pool = new GenericKubernetesResource();
        pool.setApiVersion("inference.networking.x-k8s.io/v1alpha2");
        pool.setKind("InferencePool");
        pool.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("old").withNamespace(NS)
                .build());
        pool.setAdditionalProperty("spec", Map.of("selector", Map.of("app", "vllm"), "targetPortNumber", 8000,
                "extensionRef", Map.of("name", "old-epp")));
        client.genericKubernetesResources(PoolGroup.X_K8S.context()).inNamespace(NS).resource(pool)
                .createOr(NonDeletingOperation::update);
        apply(Pods.ready("a", "10.0.0.1", Map.of("app", "vllm")));
        start(new PoolEndpointSource.PoolObject("old", PoolGroup.X_K8S));
        awaitEndpoints(e -> names(e).equals(List.of("llm/a-rank-0")));
    }

    @Test
    void aDroppedWatchResyncsAndConverges() throws Exception {
        apply(pool("p", Map.of("app", "vllm"), 8000));
        apply(Pods.ready("a", "10.0.0.1", Map.of("app", "vllm")));
        apply(Pods.ready("b", "10.0.0.2", Map.of("app", "vllm")));
        start(new PoolEndpointSource.PoolObject("p", PoolGroup.GA), 1_000);
        awaitEndpoints(e -> e.size() == 2);

        // the API server goes away (every watch drops) and comes back with another state and no history (b gone, c
        // new): the resumed watch replays nothing, the next resync lists the new state
        cluster.restartEmpty();
        apply(pool("p", Map.of("app", "vllm"), 8000));
        apply(Pods.ready("a", "10.0.0.1", Map.of("app", "vllm")));
        apply(Pods.ready("c", "10.0.0.3", Map.of("app", "vllm")));
        awaitEndpoints(e -> names(e).equals(List.of("llm/a-rank-0", "llm/c-rank-0")));

        // and the new watch carries events again
        client.pods().inNamespace(NS).withName("a").delete();
        awaitEndpoints(e -> names(e).equals(List.of("llm/c-rank-0")));
    }

    @Test
    void anUnchangedSetIsNotPublishedAgain() {
        apply(pool("p", Map.of("app", "vllm"), 8000));
        Pod a = Pods.ready("a", "10.0.0.1", Map.of("app", "vllm"));
        apply(a);
        start(new PoolEndpointSource.PoolObject("p", PoolGroup.GA));
        awaitEndpoints(e -> e.size() == 1);
        // an update that changes nothing the endpoints carry, then one that does
        apply(Pods.annotated(a, "note", "x"));
        apply(Pods.ready("b", "10.0.0.2", Map.of("app", "vllm")));
        awaitEndpoints(e -> e.size() == 2);
        synchronized (publications) {
            assertThat(publications).extracting(List::size).containsExactly(1, 2);
        }
    }

    private void start(PoolEndpointSource.Origin origin) {
        start(origin, 0);
    }

    private void start(PoolEndpointSource.Origin origin, long resyncMillis) {
        source = new PoolEndpointSource("test", () -> client, NS, origin, resyncMillis, executor);
        source.start(list -> {
            synchronized (publications) {
                publications.add(list);
            }
            endpoints.set(list);
        });
    }

    private void awaitEndpoints(Predicate<List<Endpoint>> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<Endpoint> now = endpoints.get();
            if (now != null && condition.test(now)) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("endpoints never matched; last published: "
                + (endpoints.get() == null ? "nothing" : names(endpoints.get())));
    }

    private static List<String> names(List<Endpoint> endpoints) {
        return endpoints.stream().map(Endpoint::name).toList();
    }

    private void apply(Pod pod) {
        client.pods().inNamespace(NS).resource(pod).createOr(NonDeletingOperation::update);
    }

    private void apply(InferencePool pool) {
        client.resources(InferencePool.class).inNamespace(NS).resource(pool).createOr(NonDeletingOperation::update);
    }

    static InferencePool pool(String name, Map<String, String> labels, int... ports) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata: {name: %s, namespace: %s}
                spec:
                  endpointPickerRef: {name: %s-epp, port: {number: 9002}}
                  selector:
                    matchLabels: {%s}
                  targetPorts:
                """.formatted(name, NS, name, String.join(", ",
                labels.entrySet().stream().map(e -> "\"" + e.getKey() + "\": \"" + e.getValue() + "\"").toList())));
        for (int p : ports) {
            yaml.append("  - {number: ").append(p).append("}\n");
        }
        return Serialization.unmarshal(yaml.toString(), InferencePool.class);
    }
}
