package io.quarkiverse.llmd.engine.plugins.scheduling.scorer.contextlength;

import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.framework.plugin.Parameters;
import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;
import io.quarkiverse.llmd.engine.framework.plugin.PluginFactory;
import io.quarkiverse.llmd.engine.framework.plugin.TypedName;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.Filter;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.Scorer;
import io.quarkiverse.llmd.engine.framework.scheduling.ScorerCategory;

/**
 * {@code context-length-aware}: routes requests to pods tuned for their prompt length. Each pod may carry a label
 * (default {@code llm-d.ai/context-length-range}) holding {@code "min-max"} in tokens; the request's length is
 * {@link io.quarkiverse.llmd.engine.request.InferenceRequest#estimatedInputTokens()}.
 * <p>
 * As a scorer: in range {@code 0.3 + 0.7 * (0.7 / (1 + width / 10000) + 0.3 * (max - len) / width)} (a zero-width
 * range scores 1.0), favouring narrow ranges and ranges with room to spare; out of range
 * {@code 0.3 / (1 + distance / 1000)}; no label (or a malformed one) 0.5, between the two.
 * <p>
 * As a filter (only with {@code enableFiltering: true}; otherwise it passes everything through): keeps in-range and
 * unlabeled pods. When that would leave nothing (a prompt longer than every range) it keeps all candidates
 * instead, so that the scorer still ranks the nearest range first rather than the request failing with 429: the
 * ranges are a placement preference, the model server enforces the real context limit.
 */
public final class ContextLengthAware implements Scorer, Filter {

    public static final String TYPE = "context-length-aware";
    public static final String DEFAULT_LABEL = "llm-d.ai/context-length-range";
    public static final PluginFactory FACTORY = (name, parameters, handle) -> new ContextLengthAware(name,
            Parameters.decode(parameters, ContextLengthParameters.class));

    /**
     * @param label pod label holding the {@code min-max} range; default {@code llm-d.ai/context-length-range}
     * @param enableFiltering whether the plugin also filters when placed in a profile; default false
     */
    public record ContextLengthParameters(String label, Boolean enableFiltering) {

        public ContextLengthParameters {
            if (label == null) {
                label = DEFAULT_LABEL;
            }
            if (label.isBlank()) {
                throw new PluginConfigException("label", "label must not be blank");
            }
            if (enableFiltering == null) {
                enableFiltering = false;
            }
        }
    }

    static final double UNLABELED_SCORE = 0.5;
    private static final long NO_RANGE = -1;

    private final TypedName typedName;
    private final String label;
    private final boolean enableFiltering;

    public ContextLengthAware(String name, ContextLengthParameters parameters) {
        this.typedName = new TypedName(TYPE, name);
        this.label = parameters.label();
        this.enableFiltering = parameters.enableFiltering();
    }

    @Override
    public TypedName typedName() {
        return typedName;
    }

    @Override
    public ScorerCategory category() {
        return ScorerCategory.AFFINITY;
    }

    @Override
    public void score(SchedulingContext context, List<Endpoint> endpoints, double[] scores) {
        long length = context.request().estimatedInputTokens();
        for (int i = 0; i < endpoints.size(); i++) {
            String range = endpoints.get(i).labels().get(label);
            long min = range == null ? NO_RANGE : bound(range, true);
            long max = min < 0 ? NO_RANGE : bound(range, false);
            scores[i] = max < 0 ? UNLABELED_SCORE : score(length, min, max);
        }
    }

    @Override
    public List<Endpoint> filter(SchedulingContext context, List<Endpoint> endpoints) {
        if (!enableFiltering) {
            return endpoints;
        }
        long length = context.request().estimatedInputTokens();
        List<Endpoint> kept = null;
        int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get(i);
            boolean keep = keeps(e, length);
            if (!keep && kept == null) {
                kept = new ArrayList<>(n - 1);
                for (int j = 0; j < i; j++) {
                    kept.add(endpoints.get(j));
                }
            } else if (keep && kept != null) {
                kept.add(e);
            }
        }
        if (kept == null) {
            return endpoints;
        }
        return kept.isEmpty() ? endpoints : kept; // fail open, see class comment
    }

    private boolean keeps(Endpoint endpoint, long length) {
        String range = endpoint.labels().get(label);
        long min = range == null ? NO_RANGE : bound(range, true);
        long max = min < 0 ? NO_RANGE : bound(range, false);
        return max < 0 || (length >= min && length <= max);
    }

    /** The score for a prompt of {@code length} tokens on a pod labelled {@code min-max}. */
    static double score(long length, long min, long max) {
        if (length >= min && length <= max) {
            long width = max - min;
            if (width == 0) {
                return 1.0;
            }
            double narrowness = 1.0 / (1.0 + width / 10_000.0);
            double headroom = (double) (max - length) / width;
            return 0.3 + 0.7 * (0.7 * narrowness + 0.3 * headroom);
        }
        long distance = length < min ? min - length : length - max;
        return 0.3 / (1.0 + distance / 1_000.0);
    }

    /**
     * Reads the lower or upper bound of {@code "min-max"} without allocating; -1 when the label is malformed
     * (not two non-negative integers separated by '-', or min greater than max).
     */
    static long bound(String range, boolean lower) {
        int dash = range.indexOf('-');
        if (dash <= 0 || dash == range.length() - 1) {
            return NO_RANGE;
        }
        long min = digits(range, 0, dash);
        long max = digits(range, dash + 1, range.length());
        if (min < 0 || max < 0 || min > max) {
            return NO_RANGE;
        }
        return lower ? min : max;
    }

    private static long digits(String s, int from, int to) {
        // Allow the spaces people put around the dash ("0 - 4096").
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == ' ') {
            to--;
        }
        if (from == to || to - from > 18) {
            return NO_RANGE;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return NO_RANGE;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
