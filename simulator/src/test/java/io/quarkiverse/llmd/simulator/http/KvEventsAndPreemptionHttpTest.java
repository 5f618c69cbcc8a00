package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.KvEventSinkFactory;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.quarkiverse.llmd.simulator.kvevents.KvEvent;

/** The KV-event seam and preemption, end to end through HTTP. */
class KvEventsAndPreemptionHttpTest {

    @Test
    void blockStoredEventsCarryThePromptTokens() throws Exception {
        List<KvEvent> events = new CopyOnWriteArrayList<>();
        List<Integer> zmqPorts = new CopyOnWriteArrayList<>();
        KvEventSinkFactory factory = (config, podIndex, host, httpPort, zmqPort) -> {
            zmqPorts.add(zmqPort);
            return (ts, batch) -> events.addAll(batch);
        };
        SimulatorConfig cfg = SimulatorConfig.builder("m").port(0).hardware(SimHttp.FAST).kvEventsPort(6000).build();
        try (SimulatedFleet fleet = SimulatedFleet.start(cfg, factory)) {
            var base = fleet.baseUris().get(0);
            String prompt = SimHttp.words(9, 40);
            SimHttp.Resp r = SimHttp.post(base, "/v1/completions",
                    "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1}");
            assertThat(r.status()).isEqualTo(200);
            JsonNode tokens = SimHttp.post(base, "/tokenize", "{\"prompt\":\"" + prompt + "\"}").json().get("tokens");
            KvEvent.BlockStored stored = (KvEvent.BlockStored) events.stream()
                    .filter(KvEvent.BlockStored.class::isInstance).findFirst().orElseThrow();
            assertThat(stored.blockHashes()).hasSize(2); // 40 tokens: two full blocks
            assertThat(stored.tokenIds()).hasSize(32);
            for (int i = 0; i < 32; i++) {
                assertThat(stored.tokenIds()[i]).isEqualTo(tokens.get(i).asInt());
            }
            assertThat(zmqPorts).containsExactly(6000);
        }
    }

    @Test
    void aTinyKvCachePreemptsAndTheMetricMoves() throws Exception {
        // 5 ms steps: each request takes about 0.3 s, so the two overlap and outgrow the 12 blocks together
        SimulatorConfig cfg = SimulatorConfig.builder("m").port(0)
                .hardware(SimHttp.FAST.withStep(0.005, 0, 0, 0).withKv(12, 16)).maxModelLen(180).build();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SimulatedFleet fleet = SimulatedFleet.start(cfg)) {
            var base = fleet.baseUris().get(0);
            List<CompletableFuture<SimHttp.Resp>> both = List.of(1, 2).stream()
                    .map(s -> CompletableFuture.supplyAsync(() -> SimHttp.post(base, "/v1/completions",
                            "{\"prompt\":\"" + SimHttp.words(s, 60) + "\",\"max_tokens\":60,\"ignore_eos\":true}"),
                            pool))
                    .toList();
            for (CompletableFuture<SimHttp.Resp> f : both) {
                assertThat(f.get().status()).isEqualTo(200);
                assertThat(f.get().json().get("usage").get("completion_tokens").asInt()).isEqualTo(60);
            }
            String metrics = SimHttp.get(base, "/metrics").body();
            assertThat(EngineBehaviourHttpTest.value(metrics, "vllm:num_preemptions_total")).isPositive();
        } finally {
            pool.shutdown();
        }
    }
}
