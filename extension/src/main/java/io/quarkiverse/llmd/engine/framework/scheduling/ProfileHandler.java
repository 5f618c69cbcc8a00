package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;
import java.util.Map;

/**
 * Decides which scheduling profiles run for a request and which result is primary. The scheduler calls
 * {@link #pick} repeatedly, running the returned profiles, until it returns none; then {@link #processResults}.
 * Exactly one per configuration.
 */
public non-sealed interface ProfileHandler extends SchedulingPlugin {

    /**
     * @param profiles all configured profiles by name
     * @param resultsSoFar results of the profiles already run (null value for a failed run)
     * @return the profiles to run next; empty to finish
     */
    List<SchedulerProfile> pick(SchedulingContext context, Map<String, SchedulerProfile> profiles,
            Map<String, ProfileRunResult> resultsSoFar);

    /** Builds the final result, naming the primary profile; a failed primary profile yields a failed result. */
    SchedulingResult processResults(SchedulingContext context, Map<String, ProfileRunResult> results);
}
