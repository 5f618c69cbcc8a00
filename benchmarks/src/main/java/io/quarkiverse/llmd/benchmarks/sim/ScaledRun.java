package io.quarkiverse.llmd.benchmarks.sim;

import io.quarkiverse.llmd.benchmarks.sim.scaling.ScalingTrace;

/**
 * An autoscaled run: the requests' outcomes and the replicas over time.
 *
 * @param result the run
 * @param trace the pool's replicas over virtual time
 */
public record ScaledRun(RunResult result, ScalingTrace trace) {
}
