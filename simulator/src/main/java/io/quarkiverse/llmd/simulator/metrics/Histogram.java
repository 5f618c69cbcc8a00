package io.quarkiverse.llmd.simulator.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;

/** A Prometheus histogram with fixed upper bounds; observations are lock-free. */
final class Histogram {

    private final double[] bounds;
    private final AtomicLongArray counts;
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double... bounds) {
        this.bounds = bounds;
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void observe(double v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sum.add(v);
    }

    long count() {
        long c = 0;
        for (int i = 0; i < counts.length(); i++) {
            c += counts.get(i);
        }
        return c;
    }

    /** Appends the {@code _bucket}, {@code _sum} and {@code _count} lines. */
    void render(StringBuilder sb, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts.get(i);
            sb.append(name).append("_bucket{").append(labels).append(",le=\"").append(bounds[i]).append("\"} ")
                    .append(cumulative).append('\n');
        }
        cumulative += counts.get(bounds.length);
        sb.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append(cumulative).append('\n');
        sb.append(name).append("_sum{").append(labels).append("} ").append(sum.sum()).append('\n');
        sb.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
    }
}
