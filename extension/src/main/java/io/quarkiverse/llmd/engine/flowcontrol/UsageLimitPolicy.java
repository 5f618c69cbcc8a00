package io.quarkiverse.llmd.engine.flowcontrol;

import io.quarkiverse.llmd.engine.framework.plugin.Plugin;

/** Tells up to which pool saturation a priority band may dispatch. */
public interface UsageLimitPolicy extends Plugin {

    /** @return the saturation ceiling of the band: it dispatches only while saturation is below it */
    double ceiling(int priority);
}
