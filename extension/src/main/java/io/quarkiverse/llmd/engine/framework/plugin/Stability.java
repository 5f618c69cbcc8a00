package io.quarkiverse.llmd.engine.framework.plugin;

/**
 * How settled a plugin type is, with llm-d's three levels (its {@code StabilityLevel}). The configuration loader
 * refuses {@link #ALPHA} plugins unless the operator allows experimental plugins, as llm-d does with
 * {@code --allow-experimental-plugins}.
 */
public enum Stability {

    /** Experimental: parameters and behaviour may change or disappear without notice. */
    ALPHA("Alpha"),
    /** Feature-complete; a breaking change goes through a deprecation period of two minor releases. */
    BETA("Beta"),
    /** Production grade; kept backwards compatible. */
    STABLE("Stable");

    private final String label;

    Stability(String label) {
        this.label = label;
    }

    /** The level as llm-d spells it ({@code Alpha}, {@code Beta}, {@code Stable}). */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
