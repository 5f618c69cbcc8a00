package io.quarkiverse.llmd.benchmarks.jmh;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;
import io.quarkiverse.llmd.engine.request.InferenceRequest;
import io.quarkiverse.llmd.engine.request.OpenAiRequestParser;
import io.quarkiverse.llmd.engine.scheduling.Scheduler;

/**
 * One scheduling cycle of llm-d's default configuration (queue 2, KV usage 2, approximate prefix 3, max-score
 * picker): approximate prefix hashing of a 4,000-token chat prompt, matching against a warm prefix index,
 * scoring and picking. The body is parsed once in setup, as the gateway parses it once per request before
 * scheduling. Run with {@code bin/llmd-bench jmh SchedulingCycle -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode({ Mode.SampleTime })
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class SchedulingCycleBenchmark {

    @Param({ "8", "64", "256" })
    public int endpoints;

    /** Share of the prompt's blocks already indexed on two endpoints: the matching walk stops at the first miss. */
    @Param({ "0", "50", "100" })
    public int prefixHitPercent;

    private Scheduler scheduler;
    private List<Endpoint> pool;
    private InferenceRequest request;
    private final SplittableRandom random = new SplittableRandom(1);
    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Setup(Level.Trial)
    public void setUp() {
        scheduler = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).loadDefault().scheduler();
        SplittableRandom seed = new SplittableRandom(42);
        pool = pool(endpoints, seed, now);
        OpenAiRequestParser parser = new OpenAiRequestParser();
        // Warm the index: other prompts on every endpoint, and a share of this prompt on two endpoints.
        for (int i = 0; i < endpoints; i++) {
            InferenceRequest other = parser.parse("/v1/chat/completions", Map.of(), chat(words(seed, 400)));
            place(other, pool.get(i));
        }
        String prompt = words(seed, 4_000);
        request = parser.parse("/v1/chat/completions", Map.of(), chat(prompt));
        if (prefixHitPercent > 0) {
            String shared = prompt.substring(0, prompt.length() * prefixHitPercent / 100);
            InferenceRequest known = prefixHitPercent == 100 ? request
                    : parser.parse("/v1/chat/completions", Map.of(), chat(shared));
            place(known, pool.get(0));
            place(known, pool.get(endpoints / 2));
        }
    }

    /** Runs a cycle restricted to one endpoint, so that the pre-request hooks index the prompt there. */
    private void place(InferenceRequest r, Endpoint target) {
        SchedulingContext context = new SchedulingContext(r, now, random);
        SchedulingResult result = scheduler.schedule(context, List.of(target));
        scheduler.preRequest(context, result);
    }

    @Benchmark
    public SchedulingResult schedulingCycle() {
        return scheduler.schedule(new SchedulingContext(request, now, random), pool);
    }

    /** {@code n} decode endpoints with random load, as the benchmarks' pool. */
    static List<Endpoint> pool(int n, SplittableRandom seed, Instant now) {
        List<Endpoint> pool = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pool.add(new Endpoint("default/vllm-" + i + "-rank-0", "10.0." + (i / 250) + "." + (i % 250 + 1) + ":8000",
                    Map.of("llm-d.ai/role", "decode"),
                    new EndpointMetrics(seed.nextInt(8), seed.nextInt(32), seed.nextDouble(), java.util.Set.of(),
                            java.util.Set.of(), 0, 16, 31_250, now)));
        }
        return pool;
    }

    /** About {@code tokens} tokens of English-like text at four characters per token. */
    static String words(SplittableRandom random, int tokens) {
        String[] vocabulary = { "the", "model", "server", "cache", "token", "prefix", "request", "route", "pod",
            "latency", "queue", "batch", "score", "GPU", "memory", "prompt" };
        StringBuilder sb = new StringBuilder(tokens * 4);
        while (sb.length() < tokens * 4) {
            sb.append(vocabulary[random.nextInt(vocabulary.length)]).append(' ');
        }
        return sb.toString();
    }

    private static byte[] chat(String content) {
        return ("{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
