package io.quarkiverse.llmd.engine.datalayer.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The result of parsing one scrape: samples grouped by sample name, the declared types, and how many lines were
 * skipped as unparseable. Immutable.
 */
public final class ParsedMetrics {

    /** A scrape with nothing in it. */
    public static final ParsedMetrics EMPTY = new ParsedMetrics(Map.of(), Map.of(), 0, 0);

    private final Map<String, List<Sample>> samples;
    private final Map<String, MetricType> types;
    private final int sampleCount;
    private final int skippedLines;

    ParsedMetrics(Map<String, List<Sample>> samples, Map<String, MetricType> types, int sampleCount,
            int skippedLines) {
        this.samples = samples;
        this.types = types;
        this.sampleCount = sampleCount;
        this.skippedLines = skippedLines;
    }

    /** The samples with that exact name, in exposition order; empty when none. */
    public List<Sample> samples(String name) {
        List<Sample> list = samples.get(name);
        return list == null ? List.of() : list;
    }

    /** The first sample with that name, or null. */
    public Sample first(String name) {
        List<Sample> list = samples.get(name);
        return list == null || list.isEmpty() ? null : list.get(0);
    }

    /** All sample names seen. */
    public Set<String> names() {
        return samples.keySet();
    }

    /** The type a {@code # TYPE} line declared for a family, or {@link MetricType#UNKNOWN}. */
    public MetricType type(String family) {
        return types.getOrDefault(family, MetricType.UNKNOWN);
    }

    /** Number of samples kept. */
    public int sampleCount() {
        return sampleCount;
    }

    /** Lines that were neither blank, comments nor valid samples (of the metrics asked for). */
    public int skippedLines() {
        return skippedLines;
    }

    @Override
    public String toString() {
        return "ParsedMetrics[" + sampleCount + " samples in " + samples.size() + " names, " + skippedLines
                + " skipped lines]";
    }
}
