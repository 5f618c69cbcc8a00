package io.quarkiverse.llmd.engine.framework.plugin;

/**
 * Anything the EndpointPickerConfig can instantiate. What a plugin does is told by the extension-point interfaces
 * it also implements (filter, scorer, picker, profile handler, data producer, pre-request hook...).
 */
public interface Plugin {

    TypedName typedName();
}
