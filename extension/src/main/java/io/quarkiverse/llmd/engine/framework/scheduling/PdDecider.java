package io.quarkiverse.llmd.engine.framework.scheduling;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/**
 * Decides, once the decode endpoint is known, whether a disaggregation stage (remote prefill, or remote encode)
 * runs for the request. Deciders are declared as plugins and named by {@code disagg-profile-handler}'s
 * {@code deciders.prefill} and {@code deciders.encode}.
 */
public interface PdDecider extends Plugin {

    /**
     * @param decodeTarget the endpoint the decode profile chose (the primary target)
     * @return true to run the stage on other endpoints, false to let the decode endpoint do the work itself
     */
    boolean disaggregate(SchedulingContext context, Endpoint decodeTarget);
}
