package io.quarkiverse.llmd.engine.framework.scheduling;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

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

    /**
     * Called once by the configuration loader with the names of the configured profiles, so that a handler can
     * reject profile names it refers to but that do not exist. Does nothing by default.
     *
     * @throws PluginConfigException when the profiles do not fit the handler's parameters
     */
    default void checkProfiles(Set<String> profileNames) {
    }

    /** Builds the final result, naming the primary profile; a failed primary profile yields a failed result. */
    SchedulingResult processResults(SchedulingContext context, Map<String, ProfileRunResult> results);
}
