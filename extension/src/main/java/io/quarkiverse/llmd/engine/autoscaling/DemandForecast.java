package io.quarkiverse.llmd.engine.autoscaling;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The request rate a model must be sized for now so that it still meets its targets when the replicas started now
 * become ready.
 *
 * <p>
 * A replica asked for now serves only after its cold start (90.7 s for a 32B model on H100 before tuning). Sizing
 * for the rate observed now is therefore always one cold start late on a rising load, and a queue that formed while
 * capacity was short is never paid back by a steady-state model. The plan adds both:
 *
 * <pre>
 * planned = rate + max(0, slope) * leadSeconds + waiting / drainSeconds
 * leadSeconds = cold start + decision interval
 * </pre>
 *
 * <ul>
 * <li>{@code slope} is the Theil-Sen (median pairwise) slope of the rates recorded over the last {@code window}, in
 * requests per second per second. Only a rising trend is extrapolated: a falling one is the stabilization window's business,
 * and the model must never plan below the rate it sees.</li>
 * <li>{@code waiting / drainSeconds} is the extra rate that serves the gateway's backlog within {@code drainSeconds}
 * on top of the arrivals.</li>
 * </ul>
 * The slope needs {@value #MIN_POINTS} points spanning at least half the window; before that it is 0, so a fresh
 * model or one interval's noise does not extrapolate. One instance per model; not thread-safe.
 */
public final class DemandForecast {

    /** Rates needed before a slope is trusted. */
    public static final int MIN_POINTS = 4;

    private final long windowNanos;
    private final Deque<double[]> points = new ArrayDeque<>();
    private double lastAt = Double.NaN;
    private double interval;

    /** @param windowNanos how far back rates count for the slope; 0 disables the extrapolation */
    public DemandForecast(long windowNanos) {
        if (windowNanos < 0) {
            throw new IllegalArgumentException("window must be >= 0");
        }
        this.windowNanos = windowNanos;
    }

    /** Records the rate observed at {@code nowNanos} and forgets rates older than the window. */
    public void record(long nowNanos, double rate) {
        double at = nowNanos / 1e9;
        interval = Double.isNaN(lastAt) ? 0 : Math.max(0, at - lastAt);
        lastAt = at;
        if (windowNanos == 0) {
            return;
        }
        points.addLast(new double[] { at, rate });
        double oldest = (nowNanos - windowNanos) / 1e9;
        while (points.peekFirst()[0] < oldest) {
            points.removeFirst();
        }
    }

    /**
     * Seconds between the last two recorded rates: the caller's decision interval. Replicas decided now must
     * suffice until those of the next decision can be ready, one interval plus a cold start from now.
     */
    public double lastIntervalSeconds() {
        return interval;
    }

    /**
     * The Theil-Sen slope of the recorded rates (the median of the slopes between every two of them), requests per
     * second per second; 0 while too few. The median makes a step or a short spike no trend: with 8 rates of which
     * the last jumped, 21 of the 28 pairwise slopes are 0. A least-squares fit read such a step as a steep ramp and
     * planned far beyond it (the three-hardware-class day's 70 RPS spike asked for 125 RPS).
     */
    public double slopePerSecond() {
        int n = points.size();
        if (n < MIN_POINTS || points.peekLast()[0] - points.peekFirst()[0] < windowNanos / 2e9) {
            return 0;
        }
        double[][] p = points.toArray(new double[0][]);
        double[] slopes = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dt = p[j][0] - p[i][0];
                if (dt > 0) {
                    slopes[k++] = (p[j][1] - p[i][1]) / dt;
                }
            }
        }
        if (k == 0) {
            return 0;
        }
        java.util.Arrays.sort(slopes, 0, k);
        return k % 2 == 1 ? slopes[k / 2] : (slopes[k / 2 - 1] + slopes[k / 2]) / 2;
    }

    /**
     * The rate to size for.
     *
     * @param rate the rate observed now
     * @param leadSeconds how far ahead the replicas must suffice (their cold start)
     * @param waiting requests waiting in the gateway
     * @param drainSeconds within how long the backlog should be served; 0 ignores the backlog
     */
    public double planned(double rate, double leadSeconds, int waiting, double drainSeconds) {
        double trend = Math.max(0, slopePerSecond()) * Math.max(0, leadSeconds);
        double backlog = drainSeconds > 0 ? waiting / drainSeconds : 0;
        return rate + trend + backlog;
    }
}
