package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.Arrays;

/**
 * Replicas over virtual time: one point at every change of the pool (a pod created, ready, draining or gone) and
 * at every evaluation, with the policy's desired count. Provisioned replicas (starting, ready and draining pods)
 * are what is paid for.
 */
public final class ScalingTrace {

    private final String policy;
    private double[] time = new double[256];
    private int[] provisioned = new int[256];
    private int[] ready = new int[256];
    private int[] desired = new int[256];
    private int size;
    private int podsCreated;

    public ScalingTrace(String policy) {
        this.policy = policy;
    }

    public void record(double t, int provisionedNow, int readyNow, int desiredNow) {
        if (size == time.length) {
            time = Arrays.copyOf(time, size * 2);
            provisioned = Arrays.copyOf(provisioned, size * 2);
            ready = Arrays.copyOf(ready, size * 2);
            desired = Arrays.copyOf(desired, size * 2);
        }
        time[size] = t;
        provisioned[size] = provisionedNow;
        ready[size] = readyNow;
        desired[size] = desiredNow;
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

    /** Highest provisioned count. */
    public int peak() {
        int p = 0;
        for (int i = 0; i < size; i++) {
            p = Math.max(p, provisioned[i]);
        }
        return p;
    }
}
