package io.quarkiverse.llmd.benchmarks.sim;

import io.quarkiverse.llmd.benchmarks.workload.ClusterSpec;
import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * Everything one simulated run produced.
 *
 * @param scheduler scheduler name (config file name)
 * @param workload the workload that was run
 * @param cluster the simulated cluster
 * @param seed the seed
 * @param log per-request outcomes
 * @param stageStart virtual start time of each load stage (seconds)
 * @param endTime virtual time the last request ended
 * @param engineSteps engine steps run, over all pods
 * @param preemptions engine preemptions, over all pods
 * @param events events processed
 */
public record RunResult(String scheduler, WorkloadSpec workload, ClusterSpec cluster, long seed, RequestLog log,
        double[] stageStart, double endTime, long engineSteps, long preemptions, long events) {
}
