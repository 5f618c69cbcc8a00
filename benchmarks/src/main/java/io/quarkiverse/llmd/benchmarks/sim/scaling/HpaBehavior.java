package io.quarkiverse.llmd.benchmarks.sim.scaling;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The Kubernetes HorizontalPodAutoscaler's actuation between a recommendation and the replica count: per-direction
 * stabilization windows over past recommendations, then rate-limit policies over a period, then the bounds.
 *
 * <p>Stabilization as the HPA controller does it: over the recommendations of the scale-up window (this one
 * included) take the lowest, over those of the scale-down window the highest; scale up to the former if the
 * current count is below it, down to the latter if above it, else hold. Rate limits: each direction allows, per
 * policy, a {@code percent} of the replicas at the start of the period or a number of {@code pods}, and takes the
 * most permissive policy ({@code selectPolicy: Max}, the default).
 */
public final class HpaBehavior {

    /**
     * One direction's behaviour.
     *
     * @param stabilizationSeconds window of past recommendations consulted
     * @param percent replicas that may change per period, as a percentage of the count at the period's start (0: no
     *        such policy)
     * @param pods replicas that may change per period (0: no such policy)
     * @param periodSeconds the policies' period
     */
    public record Rule(double stabilizationSeconds, int percent, int pods, double periodSeconds) {

        public Rule {
            if (stabilizationSeconds < 0 || percent < 0 || pods < 0 || !(periodSeconds > 0)) {
                throw new IllegalArgumentException("HPA rule needs windows >= 0 and a period > 0");
            }
            if (percent == 0 && pods == 0) {
                throw new IllegalArgumentException("HPA rule needs a percent or a pods policy");
            }
        }
    }

    private record Entry(double at, int value) {
    }

    private final Rule up;
    private final Rule down;
    private final int min;
    private final int max;
    private final Deque<Entry> recommendations = new ArrayDeque<>();
    private final Deque<Entry> changes = new ArrayDeque<>();

    public HpaBehavior(Rule up, Rule down, int min, int max) {
        if (min < 0 || max < 1 || min > max) {
            throw new IllegalArgumentException("need 0 <= min <= max and max >= 1, got " + min + ".." + max);
        }
        this.up = up;
        this.down = down;
        this.min = min;
        this.max = max;
    }

    /**
     * The HPA's defaults: scale up at once by 100 % or 4 pods per 15 s, whichever is more; scale down after a
     * 300 s stabilization window by up to 100 % per 15 s.
     */
    public static HpaBehavior defaults(int min, int max) {
        return new HpaBehavior(new Rule(0, 100, 4, 15), new Rule(300, 100, 0, 15), min, max);
    }

    /**
     * The WVA Helm chart's HPA (reference autoscaler 1.8): 240 s stabilization both ways, 10 pods per 150 s.
     */
    public static HpaBehavior wvaChart(int min, int max) {
        return new HpaBehavior(new Rule(240, 0, 10, 150), new Rule(240, 0, 10, 150), min, max);
    }

    /** The replica count after this recommendation, at virtual time {@code now} (seconds, non-decreasing). */
    public int apply(int current, int recommended, double now) {
        recommendations.addLast(new Entry(now, recommended));
        double keep = Math.max(Math.max(up.stabilizationSeconds(), down.stabilizationSeconds()),
                Math.max(up.periodSeconds(), down.periodSeconds()));
        while (recommendations.peekFirst().at() < now - keep) {
            recommendations.removeFirst();
        }
        while (!changes.isEmpty() && changes.peekFirst().at() < now - keep) {
            changes.removeFirst();
        }
        int upRec = Integer.MAX_VALUE;
        int downRec = Integer.MIN_VALUE;
        for (Entry e : recommendations) {
            if (e.at() >= now - up.stabilizationSeconds()) {
                upRec = Math.min(upRec, e.value());
            }
            if (e.at() >= now - down.stabilizationSeconds()) {
                downRec = Math.max(downRec, e.value());
            }
        }
        int next = current;
        if (current < upRec) {
            next = upRec;
        } else if (current > downRec) {
            next = downRec;
        }
        if (next > current) {
            next = Math.min(next, upLimit(current, now));
        } else if (next < current) {
            next = Math.max(next, downLimit(current, now));
        }
        next = Math.max(min, Math.min(max, next));
        if (next != current) {
            changes.addLast(new Entry(now, next - current));
        }
        return next;
    }

    private int upLimit(int current, double now) {
        int added = 0;
        for (Entry e : changes) {
            if (e.value() > 0 && e.at() > now - up.periodSeconds()) {
                added += e.value();
            }
        }
        int start = current - added;
        int limit = Integer.MIN_VALUE;
        if (up.percent() > 0) {
            limit = Math.max(limit, (int) Math.ceil(start * (1 + up.percent() / 100.0)));
        }
        if (up.pods() > 0) {
            limit = Math.max(limit, start + up.pods());
        }
        return limit;
    }

    private int downLimit(int current, double now) {
        int removed = 0;
        for (Entry e : changes) {
            if (e.value() < 0 && e.at() > now - down.periodSeconds()) {
                removed -= e.value();
            }
        }
        int start = current + removed;
        int limit = Integer.MAX_VALUE;
        if (down.percent() > 0) {
            limit = Math.min(limit, (int) Math.ceil(start * (1 - down.percent() / 100.0)));
        }
        if (down.pods() > 0) {
            limit = Math.min(limit, start - down.pods());
        }
        return limit;
    }
}
