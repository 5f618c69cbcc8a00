package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.Arrays;
import java.util.List;

/**
 * Replicas over virtual time: one point at every change of the pool (a pod created, ready, draining or gone) and
 * at every evaluation, with the policy's desired count. Provisioned replicas (starting, ready and draining pods)
 * are what is paid for: by variant and, weighted by each variant's cost per replica-hour, in cost units.
 */
public final class ScalingTrace {

    private final String policy;
    private final List<String> variants;
    private double[] costPerHour = new double[256];
    private int[][] byVariant = new int[256][];
    private double[] time = new double[256];
    private int[] provisioned = new int[256];
    private int[] ready = new int[256];
    private int[] desired = new int[256];
    private int size;
    private int podsCreated;

    public ScalingTrace(String policy) {
        this(policy, List.of("pool"));
    }

    /** A trace of several variants, named in the fleet's order. */
    public ScalingTrace(String policy, List<String> variants) {
        this.policy = policy;
        this.variants = List.copyOf(variants);
    }

    /** One point of a single-variant pool (cost 0). */
    public void record(double t, int provisionedNow, int readyNow, int desiredNow) {
        record(t, provisionedNow, readyNow, desiredNow, 0, new int[] { provisionedNow });
    }

    /**
     * One point.
     *
     * @param costPerHourNow what the provisioned pods cost per hour, summed
     * @param provisionedByVariant provisioned pods per variant, in the fleet's order
     */
    public void record(double t, int provisionedNow, int readyNow, int desiredNow, double costPerHourNow,
            int[] provisionedByVariant) {
        if (size == time.length) {
            costPerHour = Arrays.copyOf(costPerHour, size * 2);
            byVariant = Arrays.copyOf(byVariant, size * 2);
            time = Arrays.copyOf(time, size * 2);
            provisioned = Arrays.copyOf(provisioned, size * 2);
            ready = Arrays.copyOf(ready, size * 2);
            desired = Arrays.copyOf(desired, size * 2);
        }
        time[size] = t;
        provisioned[size] = provisionedNow;
        ready[size] = readyNow;
        desired[size] = desiredNow;
        costPerHour[size] = costPerHourNow;
        byVariant[size] = provisionedByVariant.clone();
        size++;
    }

    public void podCreated() {
        podsCreated++;
    }

    public String policy() {
        return policy;
    }

    public int size() {
        return size;
    }

    public double time(int i) {
        return time[i];
    }

    public int provisioned(int i) {
        return provisioned[i];
    }

    public int ready(int i) {
        return ready[i];
    }

    public int desired(int i) {
        return desired[i];
    }

    public int podsCreated() {
        return podsCreated;
    }

    /** Provisioned replicas integrated over [0, end], in replica-seconds (the count holds between points). */
    public double replicaSeconds(double end) {
        double total = 0;
        for (int i = 0; i < size && time[i] < end; i++) {
            double next = i + 1 < size ? Math.min(time[i + 1], end) : end;
            total += provisioned[i] * (next - time[i]);
        }
        return total;
    }

    /** The variants' names, in the fleet's order. */
    public List<String> variants() {
        return variants;
    }

    /** Provisioned pods of variant {@code v} at point {@code i}. */
    public int provisioned(int i, int v) {
        return byVariant[i][v];
    }

    /** Provisioned pods of variant {@code v} integrated over [0, end], in replica-seconds. */
    public double replicaSeconds(int v, double end) {
        double total = 0;
        for (int i = 0; i < size && time[i] < end; i++) {
            double next = i + 1 < size ? Math.min(time[i + 1], end) : end;
            total += byVariant[i][v] * (next - time[i]);
        }
        return total;
    }

    /** What the provisioned pods cost over [0, end]: cost per replica-hour times replica-hours, summed. */
    public double cost(double end) {
        double total = 0;
        for (int i = 0; i < size && time[i] < end; i++) {
            double next = i + 1 < size ? Math.min(time[i + 1], end) : end;
            total += costPerHour[i] * (next - time[i]) / 3600;
        }
        return total;
    }

    /** Highest provisioned count. */
    public int peak() {
        int p = 0;
        for (int i = 0; i < size; i++) {
            p = Math.max(p, provisioned[i]);
        }
        return p;
    }
}
