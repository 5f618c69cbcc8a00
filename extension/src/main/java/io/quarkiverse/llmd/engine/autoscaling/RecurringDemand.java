package io.quarkiverse.llmd.engine.autoscaling;

import java.util.Arrays;

/**
 * A model's arrival rates over the last few periods (days by default), minute by minute, and the rise they showed
 * one or more periods ago over the coming lead time.
 *
 * <p>
 * A reactive plan cannot carry a burst shorter than a cold start: replicas asked for when it is seen serve after it.
 * Many bursts recur at the same time of day (the start of office hours, a nightly batch, a daily report), and the
 * rates of the days before show them coming. For each remembered period {@code k} the rise is
 *
 * <pre>
 * rise_k = max(rate one period ago, over [now, now + lead]) - rate one period ago at the middle of the current window
 * </pre>
 *
 * and counts only where Poisson noise cannot explain it: beyond {@value #NOISE_SIGMAS} standard deviations of the
 * difference of two one-minute means, {@code sqrt((peak + base) / 60)}. The rise the plan adds is the median of the
 * periods' rises (the lower middle for an even count), so a burst seen on fewer than half of the remembered periods
 * is not planned for; with one period remembered, its rise is used as it is.
 *
 * <p>
 * Times are the caller's clock modulo nothing: a period ago is {@code now - period}, so the clock need not be
 * aligned to midnight, only steady (the runtime's monotonic clock; virtual time in the simulator). Memory is fixed:
 * one slot per minute for {@code periods + 1} periods (11,520 slots for a week of days), allocated at the first
 * record. One instance per model; not thread-safe.
 */
public final class RecurringDemand {

    /** Width of a remembered rate. */
    public static final long BIN_NANOS = 60_000_000_000L;
    /**
     * A rise must exceed this many standard deviations of Poisson noise to count. Each decision compares the highest
     * of two or three minutes with one: at two deviations about one decision in twenty found a rise of noise on the
     * simulated day (1-4.5 req/s at 10-50), each then held for the stabilization window; at four, about one in
     * ten thousand.
     */
    public static final double NOISE_SIGMAS = 4;
    /**
     * The most minutes of rates one model's memory may hold (about 5 MB): 26 weeks, e.g. 7 periods of three weeks;
     * a week of days is 11,520.
     */
    public static final int MAX_MINUTES = 1 << 18;

    private final long periodNanos;
    private final int periods;
    private long[] binOf;
    private double[] sum;
    private int[] count;

    /**
     * @param periodNanos the length of the recurrence (a day), a whole number of minutes
     * @param periods how many past periods are remembered and compared; 0 remembers nothing and plans no rise
     */
    public RecurringDemand(long periodNanos, int periods) {
        checkSettings(periodNanos, periods);
        this.periodNanos = periodNanos;
        this.periods = periods;
    }

    /**
     * Refuses a period that is not a whole number of minutes, a negative count, or a memory of more than
     * {@link #MAX_MINUTES} minutes in all ({@code (periods + 1) * period}), so that settings are refused when they are
     * read rather than at the first rate recorded.
     */
    static void checkSettings(long periodNanos, int periods) {
        if (periods < 0) {
            throw new IllegalArgumentException("periods must be >= 0, got " + periods);
        }
        if (periodNanos < BIN_NANOS || periodNanos % BIN_NANOS != 0) {
            throw new IllegalArgumentException("the period must be a whole number of minutes, got " + periodNanos
                    + " ns");
        }
        if ((periods + 1L) * (periodNanos / BIN_NANOS) > MAX_MINUTES) {
            throw new IllegalArgumentException("at most " + MAX_MINUTES + " minutes of rates are remembered"
                    + " ((periods + 1) * period), got " + periods + " periods of " + periodNanos / BIN_NANOS
                    + " minutes");
        }
    }

    /**
     * Records the arrival rate observed over the {@code windowSeconds} ending at {@code endNanos}; it counts for the
     * minute holding the window's middle. Windows of 0 s or a negative or non-finite rate are ignored.
     */
    public void record(long endNanos, double windowSeconds, double rate) {
        if (periods == 0 || !(windowSeconds > 0) || !(rate >= 0) || Double.isInfinite(rate)) {
            return;
        }
        if (binOf == null) {
            int slots = (int) ((periods + 1) * (periodNanos / BIN_NANOS));
            binOf = new long[slots];
            Arrays.fill(binOf, Long.MIN_VALUE);
            sum = new double[slots];
            count = new int[slots];
        }
        long bin = Math.floorDiv(endNanos - Math.round(windowSeconds * 5e8), BIN_NANOS);
        int slot = (int) Math.floorMod(bin, (long) binOf.length);
        if (binOf[slot] != bin) {
            binOf[slot] = bin;
            sum[slot] = 0;
            count[slot] = 0;
        }
        sum[slot] += rate;
        count[slot]++;
    }

    /**
     * The rise to plan for: the median over the remembered periods of the rise each showed from the middle of the
     * current window to the highest minute within {@code leadSeconds} after now; 0 when no period has both minutes.
     *
     * @param nowNanos the decision's time
     * @param windowSeconds the window the current rate was measured over (ending now)
     * @param leadSeconds how far ahead the replicas asked for now must suffice
     */
    public double rise(long nowNanos, double windowSeconds, double leadSeconds) {
        if (binOf == null) {
            return 0;
        }
        long baseAt = nowNanos - Math.round(Math.max(0, windowSeconds) * 5e8);
        long endAt = nowNanos + Math.round(Math.max(0, leadSeconds) * 1e9);
        double[] rises = new double[periods];
        int n = 0;
        for (int k = 1; k <= periods; k++) {
            long back = k * periodNanos;
            double base = mean(Math.floorDiv(baseAt - back, BIN_NANOS));
            if (Double.isNaN(base)) {
                continue;
            }
            double peak = Double.NaN;
            for (long b = Math.floorDiv(nowNanos - back, BIN_NANOS); b <= Math.floorDiv(endAt - back, BIN_NANOS); b++) {
                double m = mean(b);
                if (!Double.isNaN(m) && (Double.isNaN(peak) || m > peak)) {
                    peak = m;
                }
            }
            if (Double.isNaN(peak)) {
                continue;
            }
            double rise = peak - base;
            double noise = NOISE_SIGMAS * Math.sqrt((peak + base) / (BIN_NANOS / 1e9));
            rises[n++] = rise > noise ? rise : 0;
        }
        if (n == 0) {
            return 0;
        }
        Arrays.sort(rises, 0, n);
        return rises[(n - 1) / 2];
    }

    private double mean(long bin) {
        int slot = (int) Math.floorMod(bin, (long) binOf.length);
        return binOf[slot] == bin && count[slot] > 0 ? sum[slot] / count[slot] : Double.NaN;
    }
}
