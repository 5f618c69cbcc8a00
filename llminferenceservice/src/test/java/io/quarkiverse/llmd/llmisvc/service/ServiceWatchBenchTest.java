package io.quarkiverse.llmd.llmisvc.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kserve.serving.v1alpha2.LLMInferenceService;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.Pool;
import io.quarkiverse.llmd.kserve.KServeCrds;

/**
 * One gateway tracking many LLMInferenceServices in the fabric8 mock API server: time to converge from nothing, time
 * to converge after a full resync (new informers list everything again, as after a dropped watch, against the pools
 * already built), and the heap the watch and its pools hold. By default a smoke size that CI runs (20 services, 200
 * pods); the measured size with
 * {@code -Dllmd.bench.services=1000 -Dllmd.bench.pods-per-service=10}. Results go to the log and to
 * {@code target/llmisvc-bench.txt}. Only correctness is asserted, never a time.
 */
class ServiceWatchBenchTest {

    private static final String NS = "bench";

    private static Pod pod(String service, int i) {
        return new PodBuilder().withNewMetadata().withName(service + "-kserve-" + i).withNamespace(NS)
                .addToLabels(ServicePods.PART_OF, ServicePods.PART_OF_VALUE).addToLabels(ServicePods.NAME, service)
                .addToLabels(ServicePods.KSERVE_COMPONENT, ServicePods.WORKLOAD)
                .addToLabels(ServicePods.COMPONENT, "llminferenceservice-workload")
                .addToLabels(Endpoint.ROLE_LABEL, "both").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("vllm").endContainer().endSpec()
                .withNewStatus().withPodIP("10." + (i / 250) + "." + (i % 250) + "." + (service.hashCode() & 0x7f))
                .withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition()
                .endStatus().build();
    }

    private static LLMInferenceService service(String name) {
        return Serialization.unmarshal("""
                apiVersion: serving.kserve.io/v1alpha2
                kind: LLMInferenceService
                metadata:
                  name: %s
                  namespace: %s
                  annotations: {llmd.quarkiverse.io/enabled: "true", llmd.quarkiverse.io/max-replicas: "20"}
                spec:
                  model: {uri: "hf://org/%s", name: "org/%s"}
                  router: {scheduler: {}}
                """.formatted(name, NS, name, name), LLMInferenceService.class);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static boolean converged(ServiceWatchTest.DirectorySink sink, int services, int podsPerService) {
        List<Pool> pools = sink.directory.current().all();
        if (pools.size() != services) {
            return false;
        }
        for (Pool p : pools) {
            if (p.registry().endpoints().size() != podsPerService) {
                return false;
            }
        }
        return true;
    }

    private static void awaitQuiet(ServiceWatch watch) throws InterruptedException {
        long stableSince = -1;
        long last = -1;
        while (true) {
            long d = watch.drains();
            if (watch.synced() && !watch.busy() && d == last) {
                if (stableSince < 0) {
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > 300_000_000L) {
                    return;
                }
            } else {
                stableSince = -1;
            }
            last = d;
            Thread.sleep(5);
        }
    }

    @Test
    void oneGatewayTracksManyServices() throws Exception {
        int services = Integer.getInteger("llmd.bench.services", 20);
        int podsPerService = Integer.getInteger("llmd.bench.pods-per-service", 10);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        try (KubernetesClient client = server.createClient()) {
            for (CustomResourceDefinition crd : KServeCrds.all()) {
                client.apiextensions().v1().customResourceDefinitions().resource(crd)
                        .createOr(NonDeletingOperation::update);
            }
            ExecutorService loaders = Executors.newFixedThreadPool(4);
            List<Future<?>> loads = new ArrayList<>();
            for (int s = 0; s < services; s++) {
                String name = "svc-" + s;
                loads.add(loaders.submit(() -> {
                    client.resources(LLMInferenceService.class).inNamespace(NS).resource(service(name)).create();
                    for (int i = 0; i < podsPerService; i++) {
                        client.pods().inNamespace(NS).resource(pod(name, i)).create();
                    }
                }));
            }
            for (Future<?> f : loads) {
                f.get();
            }
            loaders.shutdown();

            long heapBefore = usedHeapAfterGc();
            ServiceWatchTest.DirectorySink sink = new ServiceWatchTest.DirectorySink();
            ServiceReconciler reconciler = new ServiceReconciler(sink, new KubernetesConfigMaps(client),
                    (svc, reason, message) -> {
                        throw new AssertionError(svc.poolName() + ": " + message);
                    });
            long t0 = System.nanoTime();
            ServiceWatch watch = new ServiceWatch(client, List.of(NS), ServiceWatch.ApiVersion.V1ALPHA2, 0,
                    reconciler);
            while (!watch.synced()) {
                Thread.sleep(5);
            }
            long listedMs = (System.nanoTime() - t0) / 1_000_000;
            while (!converged(sink, services, podsPerService)) {
                Thread.sleep(5);
            }
            long initialMs = (System.nanoTime() - t0) / 1_000_000;
            awaitQuiet(watch);
            long heapAfter = usedHeapAfterGc();

            // a full resync: new informers list every service and pod again; the pools exist and stay
            watch.close();
            long drainsBefore;
            long t1 = System.nanoTime();
            ServiceWatch again = new ServiceWatch(client, List.of(NS), ServiceWatch.ApiVersion.V1ALPHA2, 0,
                    reconciler);
            drainsBefore = again.drains();
            while (!(again.synced() && again.drains() > drainsBefore && !again.busy())) {
                Thread.sleep(2);
            }
            long resyncMs = (System.nanoTime() - t1) / 1_000_000;
            awaitQuiet(again);
            // the periodic resync of a running watch: its informers are replaced and list again
            long drainsBeforeRelist = again.drains();
            long t2 = System.nanoTime();
            again.relist();
            while (!(again.synced() && again.drains() > drainsBeforeRelist && !again.busy())) {
                Thread.sleep(2);
            }
            long relistMs = (System.nanoTime() - t2) / 1_000_000;
            awaitQuiet(again);
            assertThat(converged(sink, services, podsPerService)).isTrue();
            assertThat(reconciler.hints()).hasSize(services);
            again.close();

            String result = String.format(
                    "services=%d pods=%d lists_ms=%d initial_converge_ms=%d full_resync_converge_ms=%d "
                            + "relist_converge_ms=%d heap_delta_mib=%.1f "
                            + "heap_per_service_kib=%.1f max_heap_mib=%d",
                    services, services * podsPerService, listedMs, initialMs, resyncMs, relistMs,
                    (heapAfter - heapBefore) / 1048576.0, (heapAfter - heapBefore) / 1024.0 / services,
                    Runtime.getRuntime().maxMemory() / 1048576);
            System.out.println("RESULT " + result);
            Files.writeString(Path.of("target", "llmisvc-bench.txt"), result + System.lineSeparator());
        } finally {
            server.destroy();
        }
    }
}
