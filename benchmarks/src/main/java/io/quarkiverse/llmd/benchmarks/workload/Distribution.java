package io.quarkiverse.llmd.benchmarks.workload;

import java.util.SplittableRandom;

/**
 * A token length: a fixed value, or inference-perf's {@code {min, max, mean, std_dev}} distribution, sampled as a
 * normal distribution with the given mean and standard deviation, rounded and clamped to {@code [min, max]}
 * (inference-perf's {@code generate_distribution} does the same). {@code std_dev: 0} gives the mean every time.
 */
public record Distribution(int min, int max, double mean, double stdDev) {

    public Distribution {
        if (min < 1) {
            throw new IllegalArgumentException("min must be >= 1, got " + min);
        }
        if (max < min) {
            throw new IllegalArgumentException("max (" + max + ") must be >= min (" + min + ")");
        }
        if (mean < min || mean > max) {
            throw new IllegalArgumentException("mean (" + mean + ") must lie within [min, max] = [" + min + ", " + max
                    + "]");
        }
        if (stdDev < 0) {
            throw new IllegalArgumentException("std_dev must be >= 0, got " + stdDev);
        }
    }

    public static Distribution fixed(int value) {
        return new Distribution(value, value, value, 0);
    }

    public boolean isFixed() {
        return min == max || stdDev == 0;
    }

    public int sample(SplittableRandom random) {
        if (min == max) {
            return min;
        }
        if (stdDev == 0) {
            return (int) Math.round(mean);
        }
        double v = mean + stdDev * gaussian(random);
        return (int) Math.max(min, Math.min(max, Math.round(v)));
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian in every JDK 17 build path we rely on). */
    private static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    @Override
    public String toString() {
        return isFixed() ? Integer.toString(min == max ? min : (int) Math.round(mean))
                : "{min: " + min + ", max: " + max + ", mean: " + mean + ", std_dev: " + stdDev + "}";
    }
}
