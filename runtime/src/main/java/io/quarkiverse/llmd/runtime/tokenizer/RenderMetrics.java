package io.quarkiverse.llmd.runtime.tokenizer;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of one {@code token-producer} with the {@code vllm} backend: render calls by outcome (every outcome but
 * {@code rendered} is a request tokenized by the estimate instead) and the duration of successful calls. Labels are
 * the plugin's configured name and the {@link RenderOutcome}, a closed set: nothing a client sends becomes a label.
 * The counts are also kept in plain atomics, readable without a registry (tests).
 */
final class RenderMetrics {

    /** Registered without the suffix Micrometer adds: exported as {@code llm_d_epp_token_producer_render_total}. */
    static final String CALLS = "llm_d_epp_token_producer_render";
    /** Exported as {@code llm_d_epp_token_producer_render_duration_seconds} (plus {@code _max}). */
    static final String DURATION = "llm_d_epp_token_producer_render_duration";

    private final Map<RenderOutcome, AtomicLong> counts = new EnumMap<>(RenderOutcome.class);
    private final Map<RenderOutcome, Counter> counters = new EnumMap<>(RenderOutcome.class);
    private final Timer duration;

    /** @param registry where to register, or null to count without exporting */
    RenderMetrics(MeterRegistry registry, String pluginName) {
        for (RenderOutcome o : RenderOutcome.values()) {
            counts.put(o, new AtomicLong());
            if (registry != null) {
                counters.put(o, Counter.builder(CALLS).tag("plugin_name", pluginName).tag("outcome", o.label)
                        .description("Render calls of the token-producer by outcome; all but 'rendered' fell back to"
                                + " the estimate tokenization")
                        .register(registry));
            }
        }
        duration = registry == null ? null
                : Timer.builder(DURATION).tag("plugin_name", pluginName)
                        .description("Duration of successful render calls of the token-producer").register(registry);
    }

    void record(RenderOutcome outcome, long nanos) {
        counts.get(outcome).incrementAndGet();
        Counter c = counters.get(outcome);
        if (c != null) {
            c.increment();
        }
        if (outcome == RenderOutcome.RENDERED && duration != null) {
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    long count(RenderOutcome outcome) {
        return counts.get(outcome).get();
    }

    /** Calls that fell back to the estimate. */
    long fallbacks() {
        long n = 0;
        for (RenderOutcome o : RenderOutcome.values()) {
            if (o != RenderOutcome.RENDERED) {
                n += counts.get(o).get();
            }
        }
        return n;
    }
}
