package io.quarkiverse.llmd.engine.datalayer.metrics;

/** The type a {@code # TYPE} line declares for a metric family. */
public enum MetricType {
    COUNTER,
    GAUGE,
    HISTOGRAM,
    GAUGE_HISTOGRAM,
    SUMMARY,
    INFO,
    STATESET,
    UNKNOWN;

    /** The type named in a TYPE line (case-insensitive); {@link #UNKNOWN} for {@code untyped} and anything else. */
    public static MetricType fromText(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "counter" -> COUNTER;
            case "gauge" -> GAUGE;
            case "histogram" -> HISTOGRAM;
            case "gaugehistogram" -> GAUGE_HISTOGRAM;
            case "summary" -> SUMMARY;
            case "info" -> INFO;
            case "stateset" -> STATESET;
            default -> UNKNOWN;
        };
    }
}
