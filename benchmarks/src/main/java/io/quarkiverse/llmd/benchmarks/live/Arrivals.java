package io.quarkiverse.llmd.benchmarks.live;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.benchmarks.workload.WorkloadSpec;

/**
 * The arrival schedule of a workload's load stages, planned before the run with the cluster simulator's algorithm
 * (Poisson: exponential gaps from the previous arrival, restarting at each stage's start; constant: exactly
 * {@code k / rate} after the stage's start), so the same seed gives the same arrival times as {@code sim}.
 *
 * @param times arrival times in seconds from the start of the run, ascending
 * @param stage stage of each arrival
 * @param stageStart start of each stage
 * @param stageDuration duration of each stage (scaled)
 */
record Arrivals(double[] times, int[] stage, double[] stageStart, double[] stageDuration) {

    /** Plans the arrivals, with every stage's duration multiplied by {@code durationScale}. */
    static Arrivals plan(WorkloadSpec.Load load, double durationScale, SplittableRandom random) {
        List<WorkloadSpec.Stage> stages = load.stages();
        double[] start = new double[stages.size()];
        double[] duration = new double[stages.size()];
        double expected = 0;
        double t = 0;
        for (int s = 0; s < stages.size(); s++) {
            start[s] = t;
            duration[s] = stages.get(s).duration() * durationScale;
            t += duration[s];
            expected += stages.get(s).rate() * duration[s];
        }
        if (expected > 50_000_000) {
            throw new IllegalArgumentException("the workload plans about " + (long) expected
                    + " requests; a live run is limited to 50 million");
        }
        int cap = (int) Math.max(16, expected * 1.1 + 64);
        double[] times = new double[cap];
        int[] stage = new int[cap];
        int n = 0;
        for (int s = 0; s < stages.size(); s++) {
            double rate = stages.get(s).rate();
            double end = start[s] + duration[s];
            if (rate <= 0) {
                continue;
            }
            double at = start[s];
            for (long k = 0;; k++) {
                at = load.poisson() ? at - Math.log(1 - random.nextDouble()) / rate : start[s] + k / rate;
                if (at >= end) {
                    break;
                }
                if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                    stage = Arrays.copyOf(stage, n * 2);
                }
                times[n] = at;
                stage[n] = s;
                n++;
            }
        }
        return new Arrivals(Arrays.copyOf(times, n), Arrays.copyOf(stage, n), start, duration);
    }

    int size() {
        return times.length;
    }
}
