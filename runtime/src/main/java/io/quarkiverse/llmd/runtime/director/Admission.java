package io.quarkiverse.llmd.runtime.director;

import java.util.List;

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
}
