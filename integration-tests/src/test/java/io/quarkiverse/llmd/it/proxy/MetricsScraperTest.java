package io.quarkiverse.llmd.it.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pool.EndpointRegistry;
import io.quarkiverse.llmd.runtime.datalayer.MetricsScraper;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** The scraper feeds the registry from the simulator's /metrics, and a stalled page leaves an endpoint stale. */
@QuarkusTest
@TestProfile(HealthyFleetProfile.class)
public class MetricsScraperTest {

    @Inject
    EndpointRegistry registry;

    @Inject
    MetricsScraper scraper;

    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 20_000_000_000L; // a generous bound, not a performance assertion
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private EndpointMetrics metricsOf(String address) {
        Endpoint e = registry.snapshot().byAddress().get(address);
        return e == null ? null : e.metrics();
    }

    @Test
    void queueAndKvUsageFollowTheModelServer() {
        String pod = SimFleetResource.address("a");
        await("the pod is scraped", () -> metricsOf(pod).scraped());
        assertThat(metricsOf(pod).cacheBlockSize()).isEqualTo(16);
        assertThat(metricsOf(pod).cacheNumBlocks()).isPositive();

        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String body = "{\"model\":\"" + SimFleetResource.MODEL + "\",\"prompt\":\"Request number " + i
                    + " tells a long story\",\"max_tokens\":3000,\"ignore_eos\":true}";
            streams.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + pod + "/v1/completions"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        await("running requests and KV usage are seen", () -> metricsOf(pod).runningRequestsSize() >= 1
                && metricsOf(pod).kvCacheUsage() > 0);
        streams.forEach(CompletableFuture::join);
        await("the pod is seen idle again", () -> metricsOf(pod).runningRequestsSize() == 0
                && metricsOf(pod).waitingQueueSize() == 0);
        assertThat(scraper.scrapes()).isPositive();
    }

    @Test
    void stalledMetricsPageLeavesTheEndpointStaleAndRemovalIsPickedUp() {
        List<Endpoint> saved = registry.endpoints();
        try (SimulatedFleet stalled = SimulatedFleet.start(SimFleetResource.sim().replicas(1)
                .failures(new FailureConfig(0, java.util.EnumSet.allOf(FailureConfig.Kind.class), 0, -1)).build())) {
            String address = stalled.addresses().get(0);
            List<Endpoint> grown = new ArrayList<>(saved);
            grown.add(Endpoint.of("default/stalled-rank-0", address, java.util.Map.of()));
            long errors = scraper.pollErrors();
            registry.replaceAll(grown);
            String healthy = SimFleetResource.address("b");
            Instant before = metricsOf(healthy).updateTime();
            await("a scrape of the stalled pod times out", () -> scraper.pollErrors() > errors);
            await("the healthy pod is scraped again", () -> metricsOf(healthy).updateTime().isAfter(before));
            assertThat(metricsOf(address).scraped()).as("the stalled pod's metrics never arrived").isFalse();
            registry.replaceAll(saved);
            assertThat(registry.snapshot().byAddress()).doesNotContainKey(address);
            long rounds = scraper.rounds();
            await("the scraper runs on after the removal", () -> scraper.rounds() > rounds + 2);
        } finally {
            registry.replaceAll(saved);
        }
    }

    @Inject
    io.quarkiverse.llmd.runtime.DynamicPools dynamic;

    @Test
    void aPoolAddedAtRuntimeIsScrapedUntilRemoved() throws InterruptedException {
        String pod = SimFleetResource.address("a");
        dynamic.put(new io.quarkiverse.llmd.runtime.DynamicPools.Spec("runtime/scraped", java.util.Set.of("late"),
                "test", null));
        EndpointRegistry late = dynamic.registry("runtime/scraped");
        try {
            late.replaceAll(List.of(Endpoint.of("runtime/scraped-0", pod, java.util.Map.of())));
            await("the added pool's endpoint is scraped", () -> late.endpoints().get(0).metrics().scraped());
        } finally {
            dynamic.remove("runtime/scraped");
        }
        Thread.sleep(300); // a scrape in flight at the removal may still land
        Instant settled = late.endpoints().get(0).metrics().updateTime();
        long rounds = scraper.rounds();
        await("several scrape rounds after the removal", () -> scraper.rounds() >= rounds + 5);
        assertThat(late.endpoints().get(0).metrics().updateTime()).isEqualTo(settled);
    }

    @Test
    void aPoolsScrapesAreSpreadOverTheInterval() throws Exception {
        // ten more endpoints, each a recording page of its own; scraped all at once, each round's ten requests came
        // within about a millisecond, one burst of work on the event loop every 50 ms
        byte[] page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + SimFleetResource.address("a") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        List<Long> arrivals = java.util.Collections.synchronizedList(new ArrayList<>());
        List<com.sun.net.httpserver.HttpServer> servers = new ArrayList<>();
        List<Endpoint> saved = registry.endpoints();
        try {
            List<Endpoint> grown = new ArrayList<>(saved);
            for (int i = 0; i < 10; i++) {
                com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer
                        .create(new java.net.InetSocketAddress("127.0.0.1", 0), 16);
                server.createContext("/metrics", ex -> {
                    arrivals.add(System.nanoTime());
                    ex.sendResponseHeaders(200, page.length);
                    ex.getResponseBody().write(page);
                    ex.close();
                });
                server.start();
                servers.add(server);
                grown.add(Endpoint.of("default/spread-" + i, "127.0.0.1:" + server.getAddress().getPort(),
                        java.util.Map.of()));
            }
            registry.replaceAll(grown);
            await("thirty rounds of the added endpoints", () -> arrivals.size() >= 300);
        } finally {
            registry.replaceAll(saved);
            servers.forEach(server -> server.stop(0));
        }
        List<Long> sorted;
        synchronized (arrivals) {
            sorted = arrivals.stream().sorted().toList();
        }
        long spaced = 0;
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i) - sorted.get(i - 1) >= 2_000_000) {
                spaced++;
            }
        }
        // one burst per round spaces about one arrival in ten; dealt over ten 5 ms slots, most are
        assertThat((double) spaced / (sorted.size() - 1)).as("arrivals at least 2 ms after the previous one")
                .isGreaterThan(0.4);
    }
}
