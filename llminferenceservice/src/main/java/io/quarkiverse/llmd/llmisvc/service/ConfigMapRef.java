package io.quarkiverse.llmd.llmisvc.service;

/**
 * A key of a ConfigMap in the service's namespace, holding an EndpointPickerConfig.
 *
 * @param name the ConfigMap
 * @param key the key in its {@code data}
 */
public record ConfigMapRef(String name, String key) {

    /** The key read when a reference names only the ConfigMap. */
    public static final String DEFAULT_KEY = "config.yaml";

    public ConfigMapRef {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a ConfigMap reference needs a name");
        }
        if (key == null || key.isBlank()) {
            key = DEFAULT_KEY;
        }
    }

    @Override
    public String toString() {
        return "ConfigMap " + name + " key " + key;
    }
}
