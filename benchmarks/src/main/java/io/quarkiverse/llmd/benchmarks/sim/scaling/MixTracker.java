package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayDeque;
import java.util.Deque;

import io.quarkiverse.llmd.engine.autoscaling.TokenMix;

/**
 * The mean prompt and output tokens of the last {@value #WINDOW} completed requests, as the controllers read them
 * from the model servers' token histograms (rate of sum over rate of count).
 */
final class MixTracker {

    static final int WINDOW = 500;

    private final Deque<int[]> recent = new ArrayDeque<>();
    private long promptSum;
    private long outputSum;

    void add(PoolView view) {
        for (PoolView.Completion c : view.completions()) {
            recent.addLast(new int[] { c.promptTokens(), c.outputTokens() });
            promptSum += c.promptTokens();
            outputSum += c.outputTokens();
            if (recent.size() > WINDOW) {
                int[] old = recent.removeFirst();
                promptSum -= old[0];
                outputSum -= old[1];
            }
        }
    }

    /** The mix, or {@code null} before the first completion. */
    TokenMix mix() {
        if (recent.isEmpty()) {
            return null;
        }
        return new TokenMix((double) promptSum / recent.size(), Math.max(1, (double) outputSum / recent.size()));
    }
}
