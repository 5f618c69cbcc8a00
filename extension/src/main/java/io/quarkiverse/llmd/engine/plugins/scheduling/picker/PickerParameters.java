package io.quarkiverse.llmd.engine.plugins.scheduling.picker;

import io.quarkiverse.llmd.engine.framework.plugin.PluginConfigException;

/**
 * Parameters shared by the pickers.
 *
 * @param maxNumOfEndpoints how many endpoints to return, best first (the primary and its fallbacks); default 1
 */
public record PickerParameters(Integer maxNumOfEndpoints) {

    public PickerParameters {
        if (maxNumOfEndpoints == null) {
            maxNumOfEndpoints = 1;
        }
        if (maxNumOfEndpoints <= 0) {
            throw new PluginConfigException("maxNumOfEndpoints", "maxNumOfEndpoints must be > 0, got "
                    + maxNumOfEndpoints);
        }
    }
}
