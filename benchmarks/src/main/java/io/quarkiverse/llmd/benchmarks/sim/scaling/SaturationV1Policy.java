package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;

import io.quarkiverse.llmd.engine.autoscaling.ReplicaMetrics;

/**
 * WVA's deprecated percentage-based saturation analyzer (V1, reference autoscaler 1.5.1), which the engine does not
 * carry (it has V2 only), written here for the comparison. Each evaluation records every ready pod's KV usage and
 * queue; a pod's value is its peak over the last minute (Prometheus' {@code max_over_time(...[1m])} over samples
 * taken at the evaluation interval). A pod is saturated at {@code kv >= kvCacheThreshold} or
 * {@code queue >= queueLengthThreshold}. Over the others: scale up by one when the mean spare KV is below
 * {@code kvSpareTrigger} or the mean spare queue below {@code queueSpareTrigger} (or when every pod is saturated);
 * scale down by one when at least two are not saturated and their load spread over one fewer still leaves both
 * spares at or above the triggers. While replicas are pending the target holds. The target goes through WVA's
 * chart HPA ({@link HpaBehavior#wvaChart}).
 */
public final class SaturationV1Policy implements ScalingPolicy {

    private final double kvThreshold;
    private final int queueThreshold;
    private final double kvSpare;
    private final double queueSpare;
    private final double interval;
    private final HpaBehavior behavior;
    private final Map<String, Deque<double[]>> peaks = new TreeMap<>();

    public SaturationV1Policy(double kvThreshold, int queueThreshold, double kvSpare, double queueSpare,
            double intervalSeconds, HpaBehavior behavior) {
        if (!(kvThreshold > 0 && kvThreshold <= 1) || queueThreshold < 1 || kvSpare < 0 || queueSpare < 0
                || kvThreshold < kvSpare || !(intervalSeconds > 0)) {
            throw new IllegalArgumentException("saturation V1: need kvCacheThreshold in (0,1] >= kvSpareTrigger >= 0,"
                    + " queueLengthThreshold >= 1, queueSpareTrigger >= 0 and an interval > 0");
        }
        this.kvThreshold = kvThreshold;
        this.queueThreshold = queueThreshold;
        this.kvSpare = kvSpare;
        this.queueSpare = queueSpare;
        this.interval = intervalSeconds;
        this.behavior = behavior;
    }

    /** WVA's defaults (KV 0.80, queue 5, spare triggers 0.10 and 3), evaluated every 15 s. */
    public static SaturationV1Policy defaults(int min, int max) {
        return new SaturationV1Policy(0.80, 5, 0.10, 3, 15, HpaBehavior.wvaChart(min, max));
    }

    @Override
    public String name() {
        return "saturation-v1";
    }

    @Override
    public double intervalSeconds() {
        return interval;
    }

    @Override
    public int desired(PoolView view) {
        double now = view.now();
        Map<String, Boolean> seen = new TreeMap<>();
        for (ReplicaMetrics r : view.replicas()) {
            peaks.computeIfAbsent(r.pod(), k -> new ArrayDeque<>()).addLast(new double[] { now, r.kvUsage(),
                    r.waiting() });
            seen.put(r.pod(), true);
        }
        peaks.keySet().retainAll(seen.keySet());
        int nonSaturated = 0;
        double spareKv = 0;
        double spareQ = 0;
        double kvSum = 0;
        double qSum = 0;
        for (Deque<double[]> d : peaks.values()) {
            while (d.peekFirst()[0] < now - 60) {
                d.removeFirst();
            }
            double kv = 0;
            double q = 0;
            for (double[] s : d) {
                kv = Math.max(kv, s[1]);
                q = Math.max(q, s[2]);
            }
            if (kv >= kvThreshold || q >= queueThreshold) {
                continue;
            }
            nonSaturated++;
            spareKv += kvThreshold - kv;
            spareQ += queueThreshold - q;
            kvSum += kv;
            qSum += q;
        }
        int current = view.currentReplicas();
        int target = current;
        if (current > view.readyReplicas()) {
            target = current; // pending replicas: wait for them
        } else if (nonSaturated == 0 || spareKv / nonSaturated < kvSpare || spareQ / nonSaturated < queueSpare) {
            target = view.readyReplicas() + 1;
        } else if (nonSaturated >= 2 && kvThreshold - kvSum / (nonSaturated - 1) >= kvSpare
                && queueThreshold - qSum / (nonSaturated - 1) >= queueSpare) {
            target = current - 1;
        }
        return behavior.apply(current, target, now);
    }
}
