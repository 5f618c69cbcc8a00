package io.quarkiverse.llmd.runtime.autoscaler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import io.quarkiverse.llmd.engine.autoscaling.ScalingDecision;
import io.quarkiverse.llmd.engine.autoscaling.ScalingReason;

/**
 * The most recent decisions, a bounded ring buffer written by the autoscaler's worker and read by the HTTP
 * endpoint. Thread-safe. Its entries also go to every {@link DecisionListener}.
 */
public final class AutoscalerDecisionLog {

    /**
     * One decision as the endpoint shows it.
     *
     * @param sequence increasing number
     * @param time when it was made (ISO-8601)
     * @param variant the variant ({@code variant_name})
     * @param namespace its namespace
     * @param model its model
     * @param accelerator its hardware class ({@code accelerator_type})
     * @param role its prefill/decode role
     * @param currentReplicas replicas before the decision
     * @param readyReplicas of which serving
     * @param desiredReplicas replicas decided
     * @param direction {@code up}, {@code down} or {@code none}
     * @param reason why, as a word (the engine's reason)
     * @param summary why, as a sentence with numbers
     * @param inputs what the engine used
     * @param actuation what the variant's actuator did, or null without one
     */
    public record Entry(long sequence, String time, String variant, String namespace, String model, String accelerator,
            String role, int currentReplicas, int readyReplicas, int desiredReplicas, String direction, String reason,
            String summary, ScalingDecision.Inputs inputs, Actuated actuation) {
    }

    /**
     * What an actuator did with a decision.
     *
     * @param actuator its name
     * @param target what it scaled
     * @param outcome {@code applied}, {@code unchanged} or {@code failed}
     * @param detail what it wrote or why it failed
     */
    public record Actuated(String actuator, String target, String outcome, String detail) {
    }

    private final ArrayDeque<Entry> entries;
    private final int capacity;
    private long sequence;

    AutoscalerDecisionLog(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the decision log must keep at least one decision, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    int capacity() {
        return capacity;
    }

    /** Records a decision and returns its entry. */
    synchronized Entry add(String time, ScalingDecision d, String namespace, Actuated actuation) {
        Entry e = new Entry(++sequence, time, d.variant(), namespace, d.modelId(), d.hardwareClass(),
                d.role().label(), d.currentReplicas(), d.readyReplicas(), d.desiredReplicas(), d.direction(),
                d.reason().name().toLowerCase(java.util.Locale.ROOT), summary(d), d.inputs(), actuation);
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(e);
        return e;
    }

    /** The last {@code limit} entries, oldest first, of one variant or (null) of all. */
    synchronized List<Entry> recent(String variant, int limit) {
        List<Entry> out = new ArrayList<>();
        var it = entries.descendingIterator();
        while (it.hasNext() && out.size() < limit) {
            Entry e = it.next();
            if (variant == null || variant.equals(e.variant())) {
                out.add(e);
            }
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /**
     * The sentence of a decision. While the model is not calibrated, the saturation analyzer decides alone, and the
     * sentence says so first.
     */
    static String summary(ScalingDecision d) {
        String detail = d.detail() == null ? "" : d.detail();
        if (d.reason() == ScalingReason.LOW_CONFIDENCE) {
            String why = detail.endsWith("; saturation decided")
                    ? detail.substring(0, detail.length() - "; saturation decided".length())
                    : detail;
            return "saturation decided: too little data (" + why + ")";
        }
        return detail;
    }
}
