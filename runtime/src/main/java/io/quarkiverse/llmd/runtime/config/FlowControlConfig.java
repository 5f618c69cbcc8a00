package io.quarkiverse.llmd.runtime.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.WithDefault;

/**
 * How the runtime drives flow control ({@code quarkus.llmd.flow-control.*}). Whether flow control is on, its limits
 * and policies come from the EndpointPickerConfig ({@code featureGates: [flowControl]} and its {@code flowControl}
 * section), as in llm-d.
 */
public interface FlowControlConfig {

    /**
     * Overrides the {@code flowControl} feature gate of the EndpointPickerConfig: true switches flow control on,
     * false off. Unset, the gate decides (or the deprecated {@code ENABLE_EXPERIMENTAL_FLOW_CONTROL_LAYER=true}).
     */
    Optional<Boolean> enabled();

    /** Period of the dispatch cycle while requests wait. */
    @WithDefault("5ms")
    Duration dispatchInterval();

    /** How often waiting requests are checked against their TTL ({@code defaultRequestTTL}). */
    @WithDefault("50ms")
    Duration expiryInterval();

    /** Most requests one dispatch cycle releases. */
    @WithDefault("1024")
    int maxDispatchPerCycle();
}
