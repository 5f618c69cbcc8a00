package io.quarkiverse.llmd.engine.framework.plugin;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Plugin types known to a configuration loader, by llm-d type name, with their stability and deprecation metadata
 * (llm-d's {@code Register} / {@code RegisterDeprecated}). Deprecated types keep working and are reported so that the
 * loader can warn once; Alpha types are refused unless experimental plugins are allowed.
 */
public final class PluginRegistry {

    /**
     * A registered type.
     *
     * @param type the llm-d type name
     * @param factory creates instances
     * @param replacement the type to use instead, non-null exactly when this type is deprecated
     * @param stability Alpha, Beta or Stable
     * @param deprecatedIn the llm-d release that deprecated the type, or null when unknown or not deprecated
     * @param removalIn the llm-d release planned to remove the type, or null when unknown or not deprecated
     */
    public record Registration(String type, PluginFactory factory, String replacement, Stability stability,
            String deprecatedIn, String removalIn) {

        public Registration {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(factory, "factory");
            Objects.requireNonNull(stability, "stability");
            if (replacement == null && (deprecatedIn != null || removalIn != null)) {
                throw new IllegalArgumentException("a deprecated type needs a replacement: " + type);
            }
        }

        public boolean deprecated() {
            return replacement != null;
        }
    }

    private final Map<String, Registration> byType = new TreeMap<>();

    /**
     * Registers a type as {@link Stability#STABLE}: what llm-d assumes for a type registered without a level, and
     * what application plugins get.
     */
    public PluginRegistry register(String type, PluginFactory factory) {
        return register(type, Stability.STABLE, factory);
    }

    /** Registers a type with its stability level. Registering a type twice is a programming error and fails. */
    public PluginRegistry register(String type, Stability stability, PluginFactory factory) {
        return add(new Registration(type, factory, null, stability, null, null));
    }

    /** Registers a deprecated alias that creates the same plugin, with the same stability, as {@code replacement}. */
    public PluginRegistry registerAlias(String alias, String replacement) {
        return registerAlias(alias, replacement, null, null);
    }

    /**
     * Registers a deprecated alias with the releases that deprecated it and will remove it.
     *
     * @param deprecatedIn for instance {@code v0.9.0}; null when unknown
     * @param removalIn for instance {@code v0.11.0}; null when unknown
     */
    public PluginRegistry registerAlias(String alias, String replacement, String deprecatedIn, String removalIn) {
        Registration target = byType.get(replacement);
        if (target == null) {
            throw new IllegalArgumentException("alias " + alias + " points to unknown type " + replacement);
        }
        return add(new Registration(alias, target.factory(), replacement, target.stability(), deprecatedIn,
                removalIn));
    }

    /**
     * Registers a deprecated type with its own factory (for instance one that accepts legacy parameters); the loader
     * warns that {@code replacement} should be used instead. Stable, as {@link #register(String, PluginFactory)}.
     */
    public PluginRegistry registerDeprecated(String type, PluginFactory factory, String replacement) {
        return registerDeprecated(type, Stability.STABLE, factory, null, null, replacement);
    }

    /** Registers a deprecated type with full metadata, as llm-d's {@code RegisterDeprecated}. */
    public PluginRegistry registerDeprecated(String type, Stability stability, PluginFactory factory,
            String deprecatedIn, String removalIn, String replacement) {
        Objects.requireNonNull(replacement, "replacement");
        return add(new Registration(type, factory, replacement, stability, deprecatedIn, removalIn));
    }

    /**
     * Swaps the factory of an already registered type, and of every alias created from it, keeping stability and
     * deprecation metadata: how the runtime gives an engine plugin backends that need I/O (the engine's
     * {@code token-producer} knows only the estimate; the runtime's also tokenizes for real).
     *
     * @throws IllegalArgumentException when {@code type} is not registered
     */
    public PluginRegistry replaceFactory(String type, PluginFactory factory) {
        Objects.requireNonNull(factory, "factory");
        Registration old = byType.get(type);
        if (old == null) {
            throw new IllegalArgumentException("cannot replace the factory of unknown plugin type " + type);
        }
        byType.replaceAll((t, r) -> r == old || (type.equals(r.replacement()) && r.factory() == old.factory())
                ? new Registration(t, factory, r.replacement(), r.stability(), r.deprecatedIn(), r.removalIn())
                : r);
        return this;
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

    /** Every registration, sorted by type name (for documentation and the Dev UI). */
    public Iterable<Registration> registrations() {
        return Collections.unmodifiableCollection(byType.values());
    }
}
