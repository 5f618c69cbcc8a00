package io.quarkiverse.llmd.benchmarks.jmh;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
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
import io.quarkiverse.llmd.engine.framework.requestcontrol.ResponseOutcome;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.pipeline.SaturationProbe;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

/**
 * The whole request pipeline per request, as an edge drives it: parse a 4,000-token chat body, resolve objective
 * and fairness id, legacy admission, schedule with llm-d's default configuration, pre-request hooks, then the
 * response side (first chunk, completion with usage, observers). The prefix index is warm with other prompts, so
 * prefix matching walks real chains. Run with {@code bin/llmd-bench jmh RequestPipeline -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode({ Mode.SampleTime })
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
public class RequestPipelineBenchmark {

    @Param({ "64" })
    public int endpoints;

    private RequestPipeline pipeline;
    private byte[] body;
    private final Map<String, String> headers = Map.of("x-llm-d-inference-objective", "interactive",
            "x-request-id", "bench-request");
    private final ResponseOutcome outcome = ResponseOutcome.succeeded(4_000, 100, 0);

    @Setup(Level.Trial)
    public void setUp() {
        EndpointPickerConfigLoader.Loaded loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry())
                .loadDefault();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        SplittableRandom seed = new SplittableRandom(42);
        List<Endpoint> snapshot = List.copyOf(SchedulingCycleBenchmark.pool(endpoints, seed, now));
        SaturationProbe probe = new SaturationProbe(loaded.saturationDetector(), loaded.scheduler());
        pipeline = new RequestPipeline("bench", loaded.scheduler(), () -> snapshot, Admission.legacy(probe, null),
                Map.of("interactive", 10), Clock.fixed(now, java.time.ZoneOffset.UTC), PipelineMetrics.NOOP,
                System::nanoTime);
        pipeline.observeRequests(record -> {
        });
        // warm the prefix index with other prompts on every endpoint
        for (int i = 0; i < endpoints; i++) {
            run(chat(SchedulingCycleBenchmark.words(seed, 400)));
        }
        body = chat(SchedulingCycleBenchmark.words(seed, 4_000));
    }

    private RoutedRequest run(byte[] requestBody) {
        Decision d = pipeline.submit("/v1/chat/completions", headers, requestBody, null).join();
        RoutedRequest routed = (RoutedRequest) d;
        routed.responseStarted(null);
        routed.firstChunk();
        routed.complete(outcome);
        return routed;
    }

    @Benchmark
    public RoutedRequest wholePipeline() {
        return run(body);
    }

    private static byte[] chat(String content) {
        return ("{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
