package io.quarkiverse.llmd.engine.framework.requestcontrol;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingContext;
import io.quarkiverse.llmd.engine.framework.scheduling.SchedulingResult;

/**
 * Runs after a successful scheduling decision and before the request is forwarded: updates in-flight counters and
 * the approximate prefix index, or adds routing headers to {@link SchedulingContext#mutableHeaders()}.
 */
public interface PreRequest extends Plugin {

    void preRequest(SchedulingContext context, SchedulingResult result);
}
