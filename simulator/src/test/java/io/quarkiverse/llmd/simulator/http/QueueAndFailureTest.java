package io.quarkiverse.llmd.simulator.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.FailureConfig;
import io.quarkiverse.llmd.simulator.config.FailureConfig.Kind;
import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;

/** The waiting-queue limit and every injected failure. */
class QueueAndFailureTest {

    static SimulatedFleet fleet(FailureConfig failures) {
        return SimulatedFleet.start(SimulatorConfig.builder("m").port(0).hardware(SimHttp.FAST).failures(failures)
                .build());
    }

    @Test
    void aFullWaitingQueueAnswers429() {
        HardwareProfile slow = HardwareProfile.H100_LLAMA_8B.withStep(0.02, 0, 0, 0);
        try (SimulatedFleet f = SimulatedFleet.start(SimulatorConfig.builder("m").port(0).hardware(slow)
                .maxNumSeqs(1).maxWaitingQueueLength(2).build())) {
            var base = f.baseUris().get(0);
            ExecutorService pool = Executors.newFixedThreadPool(8); // all eight in flight at once
            List<SimHttp.Resp> all;
            try {
                all = IntStream.range(0, 8)
                        .mapToObj(i -> CompletableFuture.supplyAsync(() -> SimHttp.post(base, "/v1/completions",
                                "{\"prompt\":\"q" + i + "\",\"max_tokens\":10,\"ignore_eos\":true}"), pool))
                        .toList().stream().map(CompletableFuture::join).toList();
            } finally {
                pool.shutdown();
            }
            List<SimHttp.Resp> rejected = all.stream().filter(r -> r.status() == 429).toList();
            assertThat(rejected).isNotEmpty();
            assertThat(all.stream().filter(r -> r.status() == 200).count()).isGreaterThanOrEqualTo(3);
            assertThat(all).allSatisfy(r -> assertThat(r.status()).isIn(200, 429));
            JsonNode e = rejected.get(0).json().get("error");
            assertThat(e.get("code").asInt()).isEqualTo(429);
            assertThat(e.get("type").asText()).isEqualTo("RateLimitError");
            assertThat(e.get("message").asText()).contains("waiting requests queue is full");
        }
    }

    @Test
    void injectedServerErrors() {
        try (SimulatedFleet f = fleet(new FailureConfig(1, EnumSet.of(Kind.SERVER_ERROR), 0, 0))) {
            SimHttp.Resp r = SimHttp.post(f.baseUris().get(0), "/v1/completions", "{\"prompt\":\"x\"}");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.json().get("error").get("type").asText()).isEqualTo("InternalServerError");
            assertThat(r.json().get("error").get("message").asText())
                    .isEqualTo("The server is overloaded or not ready yet.");
            // validation still comes first
            assertThat(SimHttp.post(f.baseUris().get(0), "/v1/completions", "{}").status()).isEqualTo(400);
        }
    }

    @Test
    void injectedConnectionDrops() {
        try (SimulatedFleet f = fleet(new FailureConfig(1, EnumSet.of(Kind.DROP_CONNECTION), 0, 0))) {
            var base = f.baseUris().get(0);
            SimHttp.Resp plain = SimHttp.post(base, "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":5}");
            assertThat(plain.status()).isEqualTo(-1);
            SimHttp.Resp stream = SimHttp.post(base, "/v1/completions",
                    "{\"prompt\":\"x\",\"max_tokens\":50,\"ignore_eos\":true,\"stream\":true}");
            assertThat(stream.body()).doesNotContain("[DONE]");
            assertThat(SimHttp.get(base, "/health").status()).isEqualTo(200);
        }
    }

    @Test
    void injectedSlowFirstByte() {
        try (SimulatedFleet f = fleet(new FailureConfig(1, EnumSet.of(Kind.SLOW_FIRST_BYTE), 300, 0))) {
            SimHttp.Resp r = SimHttp.post(f.baseUris().get(0), "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.seconds()).isGreaterThanOrEqualTo(0.3);
        }
    }

    @Test
    void stalledMetrics() {
        try (SimulatedFleet never = fleet(new FailureConfig(0, EnumSet.allOf(Kind.class), 0, -1));
                SimulatedFleet late = fleet(new FailureConfig(0, EnumSet.allOf(Kind.class), 0, 250))) {
            SimHttp.Resp r = SimHttp.send(HttpRequest.newBuilder(never.baseUris().get(0).resolve("/metrics"))
                    .timeout(Duration.ofMillis(300)).build());
            assertThat(r.status()).isEqualTo(-1); // timed out
            assertThat(SimHttp.get(never.baseUris().get(0), "/health").status()).isEqualTo(200);
            SimHttp.Resp slow = SimHttp.get(late.baseUris().get(0), "/metrics");
            assertThat(slow.status()).isEqualTo(200);
            assertThat(slow.seconds()).isGreaterThanOrEqualTo(0.25);
        }
    }
}
