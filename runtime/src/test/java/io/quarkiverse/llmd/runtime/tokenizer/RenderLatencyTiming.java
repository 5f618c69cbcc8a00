package io.quarkiverse.llmd.runtime.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkiverse.llmd.engine.framework.plugin.PluginHandle;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.simulator.SimulatedFleet;
import io.quarkiverse.llmd.simulator.config.SimulatorConfig;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Measures what the {@code vllm} backend adds to a request: the time from {@link RenderTokenProducer#prepare} to its
 * stage completing, against the simulator's render endpoints in the same JVM, called from a Vert.x event loop as
 * the edges call it (docs/benchmarks.md). Runs only with {@code -Dllmd.bench.render=true}; prints the numbers,
 * asserts only that no call fell back.
 */
@EnabledIfSystemProperty(named = "llmd.bench.render", matches = "true")
class RenderLatencyTiming {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WARMUP = 1_000;
    private static final int MEASURED = 3_000;

    private static String words(SplittableRandom random, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append("word").append(random.nextInt(5_000));
        }
        return sb.toString();
    }

    @Test
    void renderCallLatency() throws Exception {
        Vertx vertx = Vertx.vertx();
        SimulatedFleet fleet = SimulatedFleet.start(SimulatorConfig.builder("tiny").port(0).build());
        try {
            RenderTokenProducer producer = (RenderTokenProducer) RuntimeTokenProducer.factory(
                    new RenderTransport(vertx, null)).create("tp", JSON.readTree("{\"vllm\": {\"url\": \""
                            + fleet.baseUris().get(0) + "\"}}"), PluginHandle.NONE);
            SplittableRandom random = new SplittableRandom(42);
            String shortPrompt = JSON.createObjectNode().put("model", "tiny").put("prompt", words(random, 20))
                    .toString();
            String longPrompt = JSON.createObjectNode().put("model", "tiny").put("prompt", words(random, 4_000))
                    .toString();
            String chat = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\""
                    + words(random, 500) + "\"},{\"role\":\"user\",\"content\":\"" + words(random, 30) + "\"}]}";
            System.out.printf("%-34s %5s %8s %8s %8s %8s%n", "case", "conc", "p50 us", "p90 us", "p99 us", "max us");
            for (int concurrency : new int[] { 1, 16 }) {
                report("completions, 20 words", concurrency, run(vertx, producer, "/v1/completions", shortPrompt,
                        concurrency));
                report("completions, 4,000 words", concurrency, run(vertx, producer, "/v1/completions", longPrompt,
                        concurrency));
                report("chat, 530 words", concurrency, run(vertx, producer, "/v1/chat/completions", chat,
                        concurrency));
            }
        } finally {
            fleet.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static void report(String name, int concurrency, long[] nanos) {
        Arrays.sort(nanos);
        System.out.printf("%-34s %5d %8d %8d %8d %8d%n", name, concurrency, pct(nanos, 0.50), pct(nanos, 0.90),
                pct(nanos, 0.99), nanos[nanos.length - 1] / 1_000);
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1_000;
    }

    /**
     * {@code concurrency} chains of calls on one event loop, each starting its next call when the last completes;
     * the first {@link #WARMUP} calls are not kept.
     */
    private static long[] run(Vertx vertx, RenderTokenProducer producer, String path, String body, int concurrency)
            throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        InferenceRequest request = new OpenAiRequestParser().parse(path, Map.of(), bytes);
        long[] samples = new long[MEASURED];
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger fellBack = new AtomicInteger();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Context loop = vertx.getOrCreateContext();
        int total = WARMUP + MEASURED;
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            int i = started.getAndIncrement();
            if (i >= total) {
                return;
            }
            long t0 = System.nanoTime();
            producer.prepare(request, bytes).whenComplete((tokens, failure) -> {
                long took = System.nanoTime() - t0;
                if (failure != null || tokens.estimated()) {
                    fellBack.incrementAndGet();
                }
                if (i >= WARMUP) {
                    samples[i - WARMUP] = took;
                }
                if (finished.incrementAndGet() == total) {
                    done.complete(null);
                } else {
                    next[0].run();
                }
            });
        };
        loop.runOnContext(v -> {
            for (int c = 0; c < concurrency; c++) {
                next[0].run();
            }
        });
        done.get(10, TimeUnit.MINUTES);
        assertThat(fellBack.get()).as("calls that fell back to the estimate").isZero();
        return samples;
    }
}
