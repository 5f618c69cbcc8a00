package io.quarkiverse.llmd.engine.framework.plugin;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Plugin types known to a configuration loader, by llm-d type name. Deprecated aliases resolve to their
 * replacement and are reported so that the loader can warn once.
 */
public final class PluginRegistry {

    /** A registered type; {@code replacement} is non-null for a deprecated alias. */
    public record Registration(String type, PluginFactory factory, String replacement) {

        public boolean deprecated() {
            return replacement != null;
        }
    }

    private final Map<String, Registration> byType = new TreeMap<>();

    /** Registers a type. Registering a type twice is a programming error and fails. */
    public PluginRegistry register(String type, PluginFactory factory) {
        return add(new Registration(type, factory, null));
    }

    /** Registers a deprecated alias that creates the same plugin as {@code replacement}. */
    public PluginRegistry registerAlias(String alias, String replacement) {
        Registration target = byType.get(replacement);
        if (target == null) {
            throw new IllegalArgumentException("alias " + alias + " points to unknown type " + replacement);
        }
        return add(new Registration(alias, target.factory(), replacement));
    }

    /**
     * Registers a deprecated type with its own factory (for instance one that accepts legacy parameters); the loader
     * warns that {@code replacement} should be used instead.
     */
    public PluginRegistry registerDeprecated(String type, PluginFactory factory, String replacement) {
        return add(new Registration(type, factory, replacement));
    }

    private PluginRegistry add(Registration registration) {
        if (byType.putIfAbsent(registration.type(), registration) != null) {
            throw new IllegalArgumentException("plugin type registered twice: " + registration.type());
        }
        return this;
    }

    public Optional<Registration> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** All registered type names, sorted. */
    public Iterable<String> types() {
        return Collections.unmodifiableSet(byType.keySet());
    }
}
