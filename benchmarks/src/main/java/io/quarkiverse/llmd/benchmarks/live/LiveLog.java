package io.quarkiverse.llmd.benchmarks.live;

import java.util.concurrent.atomic.AtomicIntegerArray;

import io.quarkiverse.llmd.benchmarks.sim.RequestLog;
import io.quarkiverse.llmd.benchmarks.sim.RequestRecords;

/**
 * Per-request outcomes of a live run on primitive arrays sized up front (the arrival schedule is planned before the
 * run). Times are wall seconds from the start of the run; {@code NaN} when the event never happened. Each index is
 * written by the dispatcher (send) and then by the client callbacks of that one request; {@link #end} settles the
 * request exactly once (a late answer after the drain timeout is ignored). The status codes are those of the
 * simulator's {@link RequestLog}.
 */
final class LiveLog implements RequestRecords {

    final int size;
    final double[] arrival;
    final double[] sent;
    final double[] firstToken;
    final double[] finish;
    final int[] stage;
    final int[] pod;
    final int[] group;
    final int[] promptTokens;
    final int[] cachedTokens;
    final int[] outputTokens;
    final byte[] status;
    /** 0 = not settled, 1 = settled. */
    private final AtomicIntegerArray settled;

    LiveLog(double[] arrival, int[] stage) {
        int n = arrival.length;
        this.size = n;
        this.arrival = arrival;
        this.stage = stage;
        sent = fill(n);
        firstToken = fill(n);
        finish = fill(n);
        pod = new int[n];
        java.util.Arrays.fill(pod, -1);
        group = new int[n];
        promptTokens = new int[n];
        cachedTokens = new int[n];
        outputTokens = new int[n];
        status = new byte[n];
        settled = new AtomicIntegerArray(n);
    }

    private static double[] fill(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    /** Settles request {@code i} with {@code st} at {@code at}; false if it was already settled. */
    boolean end(int i, byte st, double at) {
        if (!settled.compareAndSet(i, 0, 1)) {
            return false;
        }
        status[i] = st;
        finish[i] = at;
        return true;
    }

    boolean isSettled(int i) {
        return settled.get(i) != 0;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public double arrival(int i) {
        return arrival[i];
    }

    @Override
    public double sent(int i) {
        return sent[i];
    }

    @Override
    public double firstToken(int i) {
        return firstToken[i];
    }

    @Override
    public double finish(int i) {
        return finish[i];
    }

    @Override
    public int stage(int i) {
        return stage[i];
    }

    @Override
    public int promptTokens(int i) {
        return promptTokens[i];
    }

    @Override
    public int cachedTokens(int i) {
        return cachedTokens[i];
    }

    @Override
    public int outputTokens(int i) {
        return outputTokens[i];
    }

    @Override
    public byte status(int i) {
        return status[i];
    }
}
