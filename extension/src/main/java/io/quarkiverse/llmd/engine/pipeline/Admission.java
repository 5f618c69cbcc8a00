package io.quarkiverse.llmd.engine.pipeline;

import java.util.List;
import java.util.function.DoubleConsumer;

import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;

/**
 * Decides whether a request may be scheduled now. The legacy rule (flow control off): non-sheddable requests always
 * pass; a sheddable one (priority &lt; 0) is refused with 429 while the pool is saturated.
 */
@FunctionalInterface
public interface Admission {

    /** Admits everything. */
    Admission ALWAYS = (context, candidates, priority) -> null;

    /** @return null to admit, or the refusal */
    Decision.Rejected admit(SchedulingContext context, List<Endpoint> candidates, int priority);

    /**
     * llm-d's legacy admission (reference scheduler-epp.md 5): requests with priority &ge; 0 always pass; a
     * sheddable request (priority &lt; 0) gets 429 {@code ResourceExhausted} when the saturation of its candidates is
     * 1.0 or more.
     *
     * @param observer told every saturation computed (the pool-saturation gauge), may be null
     */
    static Admission legacy(SaturationProbe probe, DoubleConsumer observer) {
        return (context, candidates, priority) -> {
            if (priority >= 0) {
                return null;
            }
            double saturation = probe.saturation(context, candidates);
            if (observer != null) {
                observer.accept(saturation);
            }
            return saturation >= 1.0 ? Decision.Rejected.exhausted("system saturated, sheddable request dropped", null)
                    : null;
        };
    }
}
