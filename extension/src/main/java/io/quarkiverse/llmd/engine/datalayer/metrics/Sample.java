package io.quarkiverse.llmd.engine.datalayer.metrics;

/**
 * One sample line of a Prometheus text exposition.
 *
 * @param name the sample name as written (histogram samples keep their {@code _bucket}, {@code _sum} and
 *        {@code _count} suffixes)
 * @param labels the labels
 * @param value the value; NaN and infinities are kept
 * @param timestampMs the optional timestamp in milliseconds, or {@link #NO_TIMESTAMP}
 */
public record Sample(String name, Labels labels, double value, long timestampMs) {

    /** Marks a sample written without a timestamp. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    public boolean hasTimestamp() {
        return timestampMs != NO_TIMESTAMP;
    }
}
