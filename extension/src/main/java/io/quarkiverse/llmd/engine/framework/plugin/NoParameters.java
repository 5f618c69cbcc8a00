package io.quarkiverse.llmd.engine.framework.plugin;

/** Parameters of a plugin that takes none: any field given is reported as unknown. */
public record NoParameters() {
}
