package io.quarkiverse.llmd.engine.framework.plugin;

/**
 * A plugin's identity: its registered type (for example {@code queue-scorer}) and its instance name in the
 * configuration (defaults to the type).
 */
public record TypedName(String type, String name) {

    public TypedName {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("plugin type must not be blank");
        }
        if (name == null || name.isBlank()) {
            name = type;
        }
    }

    @Override
    public String toString() {
        return name.equals(type) ? type : name + " (" + type + ")";
    }
}
