package io.quarkiverse.llmd.engine.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.engine.framework.datalayer.EndpointMetrics;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.request.ApiType;
import io.quarkiverse.llmd.engine.request.InferenceRequest;

/** Small builders shared by engine tests. */
public final class Fixtures {

    public static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {
    }

    public static Endpoint endpoint(String name, int waiting, double kv) {
        return endpoint(name, waiting, 0, kv, Map.of());
    }

    public static Endpoint endpoint(String name, int waiting, int running, double kv, Map<String, String> labels) {
        String address = "10.0.0." + (Math.abs(name.hashCode()) % 250 + 1) + ":8000";
        return new Endpoint("default/" + name, address, labels, EndpointMetrics.load(waiting, running, kv, NOW));
    }

    /** An idle endpoint whose scrape reported {@code blocks} KV blocks of 16 tokens. */
    public static Endpoint endpointWithKv(String name, long blocks) {
        return endpoint(name, 0, 0).withMetrics(new EndpointMetrics(0, 0, 0.0, Set.of(), Set.of(),
                0, 16, blocks, NOW));
    }

    public static InferenceRequest request(String model, String prompt) {
        return request(model, prompt, Map.of());
    }

    public static InferenceRequest request(String model, String prompt, Map<String, String> headers) {
        return new InferenceRequest("req-1", ApiType.COMPLETIONS, model, model, false, null, headers, null,
                prompt.getBytes(StandardCharsets.UTF_8), false);
    }

    public static SchedulingContext context(InferenceRequest request) {
        return new SchedulingContext(request, NOW, new SplittableRandom(42));
    }
}
