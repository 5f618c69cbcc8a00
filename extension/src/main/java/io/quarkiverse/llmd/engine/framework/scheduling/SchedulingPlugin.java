package io.quarkiverse.llmd.engine.framework.scheduling;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/** The four extension points of a scheduling cycle. */
public sealed interface SchedulingPlugin extends Plugin permits Filter, Scorer, Picker, ProfileHandler {
}
