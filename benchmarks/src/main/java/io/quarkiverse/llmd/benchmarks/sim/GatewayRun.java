package io.quarkiverse.llmd.benchmarks.sim;

import java.util.Map;

import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;

/**
 * A run with gateway replicas.
 *
 * @param result the run
 * @param trace the pool's replicas over virtual time, or null for a fixed pool
 * @param gatewayOf the gateway replica each request (by index) went to
 * @param replicas gateway replicas
 * @param kvEvents what the KV-event ingestors applied (empty without a KV-event consumer)
 */
public record GatewayRun(RunResult result, ScalingTrace trace, int[] gatewayOf, int replicas,
        Map<String, Long> kvEvents) {
}
